from oauth2_provider.oauth2_validators import OAuth2Validator

# Members of this group signed in at the provider with a second factor: their tokens say so.
SECOND_FACTOR_GROUP = "second-factor"


class Validator(OAuth2Validator):
    """The claims a unified identity platform gives: a username, a name, an e-mail address,
    and (``amr``) how the person proved who they are."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        claims = {
            "preferred_username": user.username,
            "name": user.get_full_name() or user.username,
            "email": user.email,
            "amr": ["pwd"],
        }
        if user.groups.filter(name=SECOND_FACTOR_GROUP).exists():
            claims["amr"] = ["pwd", "otp", "mfa"]
        return claims
