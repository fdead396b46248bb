"""`{% fragment "name" value ... %}…{% endfragment %}`: see core/fragments.py."""

from django import template
from django.utils.safestring import mark_safe

from serviceeval.core import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, name, parts, nodelist):
        self.name, self.parts, self.nodelist = name, parts, nodelist

    def render(self, context):
        name = self.name.resolve(context)
        parts = [p.resolve(context) for p in self.parts]
        rev = fragments.request_revision(context.get("request"))
        html = fragments.get(name, rev, parts)
        if html is None:
            html = self.nodelist.render(context)
            fragments.put(name, rev, parts, str(html))
        return mark_safe(html)  # noqa: S308 (our own rendered, auto-escaped template output)


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]], nodelist
    )
