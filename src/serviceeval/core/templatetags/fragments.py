"""`{% fragment "name" value ... %}…{% endfragment %}`: Django's `{% cache %}` keyed by
the data generation; see core/fragments.py."""

from django import template

from serviceeval.core.fragments import FragmentNode

register = template.Library()


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError('{% fragment %} needs a quoted name: {% fragment "t" %}')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]])
