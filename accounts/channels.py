"""The channels a notice leaves by beside the inbox and e-mail: a group chat's robot (企业微信,
钉钉) and SMS through one provider. Each is a ``Channel`` with one method, ``send(message)``:
it returns when the peer took the message and raises ``DeliveryFailed`` otherwise, saying in
words what went wrong and whether another try may succeed (the peer's 5xx, a timeout, its rate
limit) or not (a 4xx, a wrong key, a signature the robot refuses).

Every peer speaks JSON over HTTP. The standard library posts it: ``requests`` is present only
as mozilla-django-oidc's dependency, and one POST needs nothing more. Redirects are not
followed, so a webhook cannot send the server somewhere its allow-list does not name.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# A robot's or provider's answer is a line of JSON; anything longer is not one.
MAX_ANSWER_BYTES = 64 * 1024
# WeCom takes at most 4096 bytes of markdown, DingTalk about as much; a notice's message is
# cut well before, so that the title and the link always fit.
MAX_BODY_CHARS = 500
# Characters that markdown would read as markup, written as their full-width forms: a title or
# a reviewer's opinion cannot turn into a link or a heading in the group chat.
MARKDOWN_NEUTRAL = str.maketrans("[]()<>*_#`~|!", "［］（）＜＞＊＿＃｀～｜！")


@dataclass(frozen=True)
class Message:
    """What one notice says, already in its reader's language; ``url`` is absolute."""

    title: str
    body: str = ""
    url: str = ""


class DeliveryFailed(Exception):
    """The peer did not take the message. ``str(exc)`` is a sentence for the reader."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx is then an HTTPError, answered as a refusal below


_opener = urllib.request.build_opener(_NoRedirects)


def _timeout() -> float:
    return settings.MINGSHI_CHANNEL_TIMEOUT_SECONDS


def post_json(url: str, payload: dict, *, headers: dict[str, str] | None = None) -> dict | None:
    """POST ``payload`` as JSON; the answer's JSON object (None when it is not one).

    Raises ``DeliveryFailed``: retryable on a timeout, a connection refused or reset, a 5xx or
    a 429; final on any other status outside 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    host = urlsplit(url).hostname or url
    try:
        with _opener.open(request, timeout=_timeout()) as response:
            raw = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code >= 500 or exc.code == 429:
            raise DeliveryFailed(
                _("The server at %(host)s had a problem and did not take the message.")
                % {"host": host},
                retryable=True,
            ) from None
        raise DeliveryFailed(
            _("The server at %(host)s refused the message: check the address.") % {"host": host},
            retryable=False,
        ) from None
    except TimeoutError:
        raise DeliveryFailed(
            _("The server at %(host)s did not answer within %(seconds)s seconds.")
            % {"host": host, "seconds": f"{_timeout():g}"},
            retryable=True,
        ) from None
    except (urllib.error.URLError, OSError):
        # Refused, reset, no route, a name that does not resolve: the network's moment, or a
        # wrong address. Tried again; a wrong address ends as "not sent" after the last try.
        raise DeliveryFailed(
            _("The server at %(host)s could not be reached.") % {"host": host}, retryable=True
        ) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def neutral(text: str) -> str:
    return text.translate(MARKDOWN_NEUTRAL)


def markdown(message: Message) -> str:
    """The notice as the little markdown both robots read: the title in bold, the message, a
    link, and the product's name (a DingTalk robot guarded by keywords can use 名师)."""
    body = message.body.strip()
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "…"
    lines = [f"**{neutral(message.title)}**"]
    if body:
        lines.append(neutral(body))
    if message.url:
        safe_url = quote(message.url, safe=":/?&=#%~.-_+,;@")
        open_label = _("Open in Mingshi")
        lines.append(f"[{open_label}]({safe_url})")
    product = _("Mingshi")
    lines.append(f"—— {product}")
    return "\n\n".join(lines)


class Channel:
    """One way out: ``send(message, to)`` returns once the peer took the message. ``to`` is
    the phone number for SMS; a group robot posts to its own group and ignores it."""

    def send(self, message: Message, to: str = "") -> None:
        raise NotImplementedError


# --- group chat robots ---------------------------------------------------------------------


def robot_host_allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in {
        host.lower() for host in settings.MINGSHI_ROBOT_HOSTS
    }


class ChatRobotChannel(Channel):
    """A group robot's webhook: POST the message, read ``errcode`` (0 = posted)."""

    # errcodes that mean "not now" rather than "never": the robot's rate limit, a busy server.
    retryable_errcodes: frozenset[int] = frozenset({-1})

    def __init__(self, webhook_url: str, *, secret: str = ""):
        self.webhook_url = webhook_url
        self.secret = secret

    def service(self) -> str:
        raise NotImplementedError

    def payload(self, message: Message) -> dict:
        raise NotImplementedError

    def address(self) -> str:
        return self.webhook_url

    def refusal(self, errcode: int, errmsg: str) -> str:
        return _("%(service)s did not post the message.") % {"service": self.service()}

    def send(self, message: Message, to: str = "") -> None:
        if not robot_host_allowed(self.webhook_url):
            raise DeliveryFailed(
                _("This robot's address is not on the server's list of robot hosts."),
                retryable=False,
            )
        answer = post_json(self.address(), self.payload(message))
        if answer is None or "errcode" not in answer:
            raise DeliveryFailed(
                _("The address did not answer as a %(service)s robot does: check it.")
                % {"service": self.service()},
                retryable=False,
            )
        try:
            errcode = int(answer.get("errcode"))
        except (TypeError, ValueError):
            errcode = -2
        if errcode == 0:
            return
        errmsg = str(answer.get("errmsg") or "")
        raise DeliveryFailed(
            self.refusal(errcode, errmsg), retryable=errcode in self.retryable_errcodes
        )


class WeComRobot(ChatRobotChannel):
    """企业微信 群机器人: ``…/cgi-bin/webhook/send?key=…``, a markdown message."""

    # 45009: more than 20 messages a minute from one robot.
    retryable_errcodes = frozenset({-1, 45009})

    def service(self) -> str:
        return _("WeCom")

    def payload(self, message: Message) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": markdown(message)}}

    def refusal(self, errcode: int, errmsg: str) -> str:
        if errcode == 93000:
            return _(
                "WeCom does not know this robot: the webhook address is wrong, or the robot "
                "was removed from the group."
            )
        if errcode == 45009:
            return _("WeCom allows a robot 20 messages a minute; it will be tried again.")
        if errcode == -1:
            return _("WeCom was busy; it will be tried again.")
        return super().refusal(errcode, errmsg)


class DingTalkRobot(ChatRobotChannel):
    """钉钉 自定义机器人: ``…/robot/send?access_token=…``, a markdown message; with 加签 the
    address carries ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")), as DingTalk's documentation gives it."""

    # 130101: more than 20 messages a minute from one robot.
    retryable_errcodes = frozenset({-1, 130101})

    def service(self) -> str:
        return _("DingTalk")

    def payload(self, message: Message) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {"title": neutral(message.title)[:64], "text": markdown(message)},
        }

    @staticmethod
    def signature(secret: str, timestamp_ms: int) -> str:
        text = f"{timestamp_ms}\n{secret}".encode()
        digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def address(self) -> str:
        if not self.secret:
            return self.webhook_url
        timestamp = int(time.time() * 1000)
        sign = quote_plus(self.signature(self.secret, timestamp))
        joiner = "&" if "?" in self.webhook_url else "?"
        return f"{self.webhook_url}{joiner}timestamp={timestamp}&sign={sign}"

    def refusal(self, errcode: int, errmsg: str) -> str:
        reason = errmsg.lower()
        if errcode == 310000 and "sign" in reason:
            return _("DingTalk refused the signature: the signing secret is not this robot's.")
        if errcode == 310000 and "keyword" in reason:
            return _(
                "The robot posts only messages with its keywords: add the keyword 名师 in the "
                "robot's security settings, or use signing (加签) instead."
            )
        if errcode == 310000 and ("ip" in reason or "whitelist" in reason):
            return _(
                "The robot accepts only listed IP addresses: add this server's address in the "
                "robot's security settings."
            )
        if errcode in (300001, 400102):
            return _(
                "DingTalk does not know this robot: the webhook address is wrong, or the robot "
                "was removed from the group."
            )
        if errcode == 130101:
            return _("DingTalk allows a robot 20 messages a minute; it will be tried again.")
        if errcode == -1:
            return _("DingTalk was busy; it will be tried again.")
        return super().refusal(errcode, errmsg)


ROBOT_CHANNELS: dict[str, type[ChatRobotChannel]] = {
    "wecom": WeComRobot,
    "dingtalk": DingTalkRobot,
}


def robot_channel(robot) -> ChatRobotChannel:
    """The channel of an ``accounts.models.ChatRobot``."""
    return ROBOT_CHANNELS[robot.kind](robot.webhook_url, secret=robot.secret)


# --- SMS -----------------------------------------------------------------------------------


class SmsProvider(Channel):
    """An SMS gateway, sending to the phone number ``to``. The settings name the class
    (``MINGSHI_SMS_PROVIDER``), so a bureau's own gateway plugs in as a subclass."""

    def __init__(self, *, url: str, token: str, sign_name: str):
        self.url, self.token, self.sign_name = url, token, sign_name

    def text(self, message: Message) -> str:
        """One short text: the title and the link (an SMS is paid by the 70 characters)."""
        return " ".join(part for part in (message.title, message.url) if part)


class HttpSmsProvider(SmsProvider):
    """The generic HTTP gateway: POST ``{"phone", "text", "sign"}`` as JSON with
    ``Authorization: Bearer <token>``. A 2xx is taken unless its JSON says otherwise
    (``"ok": false`` or a non-zero ``errcode``: gateways that answer 200 to everything)."""

    def send(self, message: Message, to: str = "") -> None:
        answer = post_json(
            self.url,
            {"phone": to, "text": self.text(message), "sign": self.sign_name},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if answer is not None and (answer.get("ok") is False or answer.get("errcode", 0) != 0):
            raise DeliveryFailed(_("The SMS service did not send the message."), retryable=False)


def sms_enabled() -> bool:
    return bool(settings.MINGSHI_SMS_URL)


def sms_provider() -> SmsProvider:
    provider = import_string(settings.MINGSHI_SMS_PROVIDER)
    return provider(
        url=settings.MINGSHI_SMS_URL,
        token=settings.MINGSHI_SMS_TOKEN,
        sign_name=settings.MINGSHI_SMS_SIGN_NAME,
    )
