"""Events of a studio's life that higher layers act on, sent by the layer that causes them.

``studio_revoked`` (studio, day, actor) is sent inside the transaction that revokes the
studio (assessments), so that what a receiver records commits or rolls back with it; funding
receives it to record the remainder as returned. Assessments knows nothing of money.
"""

from django.dispatch import Signal

studio_revoked = Signal()
