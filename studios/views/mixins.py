"""What the studio pages share: the studio looked up inside the user's scope."""

from studios import selectors


class StudioMixin:
    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for(user, pk)
