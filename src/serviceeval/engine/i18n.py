"""The engine's messages, in the one convention of the product.

The engine imports no Django, so it cannot call gettext itself. Its messages are
written as everywhere else, `_` around an English literal with named placeholders, so that
`scripts/i18n.py check` finds them; `_` asks the translator the application installs
at start-up (`install`, Django's gettext: see `core.apps`). Used on its own, without a
translator, the engine speaks English."""

from collections.abc import Callable


def _identity(message: str) -> str:
    return message


_translate: Callable[[str], str] = _identity


def install(translate: Callable[[str], str]) -> None:
    """Route every engine message through `translate` (called with the English text,
    at the moment the message is made, so the active language applies)."""
    global _translate
    _translate = translate


def _(message: str) -> str:
    return _translate(message)
