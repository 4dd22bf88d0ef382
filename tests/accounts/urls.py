"""Every page of the product that needs no URL argument, for tests that must hold on all."""

from django.urls import URLPattern, URLResolver, get_resolver


def plain_paths(*, admin: bool = True) -> list[str]:
    """The paths of all URL patterns without converters or regex groups."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            text = str(pattern)
            if getattr(pattern, "converters", None) or "(" in text or "<" in text:
                continue
            text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + text)
            elif isinstance(entry, URLPattern):
                found.append("/" + prefix + text)

    walk(get_resolver().url_patterns, "")
    paths = sorted(set(found))
    if not admin:
        paths = [p for p in paths if not p.startswith("/admin/")]
    return paths
