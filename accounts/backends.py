"""Django's password backend, with the logged-in user read from the cache while it is current.

Every page loads its user by id from the session. With a shared cache the user is kept under the
data generation (``core.freshness``): any write to the database moves it on, so a changed user
(deactivated, a new password, another language) is read again at once. A cached page then needs
no database query at all.
"""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from core import freshness


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return freshness.remembered(
            "user", user_id, lambda: super(ModelBackend, self).get_user(user_id)
        )
