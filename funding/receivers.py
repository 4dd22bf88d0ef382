"""What funding does when another layer's event happens (connected in FundingConfig.ready)."""

from django.dispatch import receiver

from studios.signals import studio_revoked

from .services import funds_return_on_revocation


@receiver(studio_revoked, dispatch_uid="funding.return_funds_on_revocation")
def return_funds_on_revocation(sender, *, studio, day, actor=None, **kwargs) -> None:
    """The remainder of a revoked studio goes back (idempotent: once per studio)."""
    funds_return_on_revocation(studio, day, actor=actor)
