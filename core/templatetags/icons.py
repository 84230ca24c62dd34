"""``{% icon "name" %}`` and ``{% icon_sprite %}``: Lucide icons (core.icons)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from core import icons

register = template.Library()


@register.simple_tag
def icon(name: str, size: int = 16, css: str = "icon") -> SafeString:
    return mark_safe(icons.svg(name, size=size, css=css))  # noqa: S308 (the package's own SVG)


@register.simple_tag
def icon_sprite() -> SafeString:
    return mark_safe(icons.sprite())  # noqa: S308 (the package's own SVG)
