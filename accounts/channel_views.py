"""Pages of the notice channels (accounts/deliveries.py): a person's channels for each kind of
notice, and an organisation's group robots, which its own administrators add, change, test and
remove. Robots are found inside the asking user's scope (404 outside it) and each post asks
``accounts.manage_chat_robots`` about the robot's organisation.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from . import deliveries, selectors
from .channels import sms_enabled
from .forms import ChatRobotForm, NoticeChannelsForm, add_problems
from .mixins import ActionPermissionMixin
from .models import ChatRobotKind, NoticeKind
from .services import AccountsError

# What a new robot posts until its administrator says otherwise: the work of the office.
DEFAULT_ROBOT_KINDS = [NoticeKind.TASKS, NoticeKind.REMINDERS]


class NoticeChannelsView(LoginRequiredMixin, FormView):
    """One's own channels: e-mail and SMS for each kind of notice; the inbox has them all."""

    template_name = "accounts/channels/notice_channels.html"
    form_class = NoticeChannelsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sms": sms_enabled()}

    def get_initial(self):
        user = self.request.user
        initial = {"mobile": user.phone if deliveries.mobile_number(user.phone) else ""}
        for kind, (email, sms) in selectors.channel_choices(user).items():
            initial[f"email_{kind}"] = email
            initial[f"sms_{kind}"] = sms
        return initial

    def form_valid(self, form):
        try:
            deliveries.notice_channels_save(
                actor=self.request.user,
                choices=form.choices(),
                mobile=form.cleaned_data.get("mobile", ""),
            )
        except AccountsError as exc:
            add_problems(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your notice channels are saved."))
        return redirect("accounts:notice_channels")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            sms=sms_enabled(),
            email_mode=user.get_notification_delivery_display(),
            has_email=bool(user.email),
            robot_organisations=list(selectors.robot_organisations_for(user)),
            **kwargs,
        )


class OrganisationRobotsView(ActionPermissionMixin, TemplateView):
    """An organisation's group robots, and the form that adds one."""

    permission = "accounts.manage_chat_robots"
    post_permission = "accounts.manage_chat_robots"
    template_name = "accounts/channels/robots.html"

    def lookup(self, user, pk, **kwargs):
        return selectors.organisation_for(user, pk)

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "form",
            ChatRobotForm(
                initial={
                    "kind": ChatRobotKind.WECOM,
                    "notice_kinds": DEFAULT_ROBOT_KINDS,
                    "enabled": True,
                }
            ),
        )
        return super().get_context_data(
            organisation=self.object, robots=selectors.chat_robots_of(self.object), **kwargs
        )

    def post(self, request, pk):
        form = ChatRobotForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                robot = deliveries.chat_robot_save(
                    actor=request.user,
                    organisation=self.object,
                    kind=data["kind"],
                    name=data["name"],
                    webhook_url=data["webhook_url"],
                    secret=data["secret"],
                    notice_kinds=data["notice_kinds"],
                    enabled=data["enabled"],
                )
            except AccountsError as exc:
                add_problems(form, exc)
            else:
                messages.success(
                    request,
                    _("The robot of “%(name)s” is added. Send it a test message to check it.")
                    % {"name": robot.name},
                )
                return redirect("accounts:chat_robot", pk=robot.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ChatRobotView(ActionPermissionMixin, TemplateView):
    """One robot: change it, send a test message (the answer in words), or remove it."""

    permission = "accounts.manage_chat_robots"
    action_permissions = {
        "save": "accounts.manage_chat_robots",
        "test": "accounts.manage_chat_robots",
        "delete": "accounts.manage_chat_robots",
    }
    template_name = "accounts/channels/robot.html"

    def lookup(self, user, pk, **kwargs):
        return selectors.chat_robot_for(user, pk)

    def get_context_data(self, **kwargs):
        robot = self.object
        kwargs.setdefault(
            "form",
            ChatRobotForm(
                robot=robot,
                initial={
                    "kind": robot.kind,
                    "name": robot.name,
                    "notice_kinds": robot.notice_kinds,
                    "enabled": robot.enabled,
                },
            ),
        )
        return super().get_context_data(
            robot=robot,
            organisation=robot.organisation,
            deliveries=selectors.robot_deliveries(robot),
            **kwargs,
        )

    def post(self, request, pk):
        action = request.POST.get("action")
        robot = self.object
        if action == "test":
            try:
                deliveries.chat_robot_test(actor=request.user, robot=robot)
            except AccountsError as exc:
                messages.error(
                    request, _("The test message did not arrive: %(reason)s") % {"reason": exc}
                )
            else:
                messages.success(
                    request,
                    _("The test message was posted: look for it in the group “%(name)s”.")
                    % {"name": robot.name},
                )
            return redirect("accounts:chat_robot", pk=robot.pk)
        if action == "delete":
            organisation = robot.organisation
            try:
                deliveries.chat_robot_remove(actor=request.user, robot=robot)
            except AccountsError as exc:
                messages.error(request, str(exc))
                return redirect("accounts:chat_robot", pk=robot.pk)
            messages.success(request, _("The robot is removed; the group gets no more notices."))
            return redirect("accounts:organisation_robots", pk=organisation.pk)
        form = ChatRobotForm(request.POST, robot=robot)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deliveries.chat_robot_save(
                    actor=request.user,
                    organisation=robot.organisation,
                    robot=robot,
                    kind=data["kind"],
                    name=data["name"],
                    webhook_url=data["webhook_url"],
                    secret=data["secret"],
                    notice_kinds=data["notice_kinds"],
                    enabled=data["enabled"],
                )
            except AccountsError as exc:
                add_problems(form, exc)
            else:
                messages.success(request, _("The robot's settings are saved."))
                return redirect("accounts:chat_robot", pk=robot.pk)
        return self.render_to_response(self.get_context_data(form=form))
