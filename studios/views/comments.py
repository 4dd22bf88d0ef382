"""Comments of a studio's advisors (and host): one POST endpoint for the three kinds of target,
and the form and list each target's page shows (templates/studios/_comments.html)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from studios import selectors
from studios.errors import StudioError
from studios.forms import CommentForm
from studios.models import Membership
from studios.permissions import GROWTH_ROLES
from studios.services import comments as comment_services


def comment_form_for(user, studio, **target) -> CommentForm | None:
    """The empty form for ``target`` (one of plan=, activity=, person=), or None when the user
    may not comment in ``studio``."""
    if not can(user, "studios.comment_in_studio", studio):
        return None
    key, obj = next(iter(target.items()))
    return CommentForm(initial={key: obj.pk}, auto_id=f"comment-{studio.pk}-{key}-{obj.pk}-%s")


class CommentAddView(PermissionRequiredMixin, View):
    """POST: add a comment to a plan version, an activity or a member's growth file of the
    studio; then back to that page, with the result in a message."""

    permission = "studios.comment_in_studio"
    http_method_names = ["post"]

    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for(user, pk)

    def post(self, request, pk):
        studio = self.object
        form = CommentForm(request.POST)
        valid = form.is_valid()
        data = form.cleaned_data  # the target's ids, even when the text is missing
        target = {}
        # Each target is looked up inside this studio: an id of another studio's is a 404.
        if data.get("plan"):
            target["plan"] = studio.plans.filter(pk=data["plan"]).first()
        if data.get("activity"):
            target["activity"] = studio.activities.filter(pk=data["activity"]).first()
        if data.get("person"):
            membership = (
                Membership.objects.filter(
                    studio=studio, user_id=data["person"], role__in=GROWTH_ROLES
                )
                .select_related("user")
                .first()
            )
            target["person"] = membership.user if membership else None
        if None in target.values():
            raise Http404
        if len(target) != 1:
            messages.error(request, _("Say what the comment is about."))
            return redirect("studios:studio_home", studio.pk)
        back = comment_services.target_url(studio, **target)
        if not valid:
            messages.error(request, _("Write the comment (at most 3000 characters)."))
            return redirect(back)
        try:
            comment_services.comment_add(
                actor=request.user, studio=studio, text=data["text"], **target
            )
        except StudioError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your comment is saved; the host has been told."))
        return redirect(back)
