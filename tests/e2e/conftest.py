"""Real browser: Debian's Chromium driven by Playwright (no downloaded browser)."""

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-TW")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url("**/dashboard/")


def axe_serious(page):
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        import email
        import email.policy

        self.messages = []
        self._parse = lambda data: email.message_from_bytes(data, policy=email.policy.default)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = self._parse(envelope.original_content or envelope.content)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 OK"

    def to(self, address):
        return [m["message"] for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp_sink(settings):
    """Point Django's SMTP backend at a local aiosmtpd sink for the test."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield sink
    controller.stop()


def wait_for_mail(sink, address, timeout=10.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = sink.to(address)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} within {timeout} s")
