"""URL evidence: the dead-link check (django-tasks) against a local server only."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from serviceeval.submissions.enums import LinkStatus
from serviceeval.submissions.services import SaveInput
from serviceeval.submissions.tasks import check_evidence_link, probe

from .helpers import report, save


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    def do_GET(self):
        self.do_HEAD()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_probe_tells_ok_from_dead(local_server):
    assert probe(local_server + "/ok") == (LinkStatus.OK, "HTTP 200")
    assert probe(local_server + "/gone") == (LinkStatus.DEAD, "HTTP 404")
    assert probe("ftp://example.gov.tw/x")[0] == LinkStatus.DEAD


@pytest.mark.django_db
def test_link_check_task_records_the_last_status(
    world, local_server, django_capture_on_commit_callbacks
):
    sub = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        save(
            sub,
            world.officer,
            SaveInput(
                urls=[
                    ("2.1.1.3", local_server + "/ok", "本局網站"),
                    ("2.1.1.3", local_server + "/gone", "舊網頁"),
                ]
            ),
        )
    statuses = dict(sub.evidence.values_list("name", "link_status"))
    assert statuses == {"本局網站": "ok", "舊網頁": "dead"}
    assert sub.evidence.filter(link_checked_at__isnull=True).count() == 0
    # The task can be run again by hand (e.g. a periodic re-check).
    ev = sub.evidence.get(name="本局網站")
    assert check_evidence_link.call(ev.pk) == "ok"


@pytest.mark.django_db
def test_check_evidence_links_command_rechecks_every_url(world, local_server):
    import io

    from django.core.management import call_command

    sub = report(world)
    save(sub, world.officer, SaveInput(urls=[("2.1.1.3", local_server + "/ok", "")]))
    assert sub.evidence.get().link_status == "unchecked"  # on_commit not run in this test
    out = io.StringIO()
    call_command("check_evidence_links", stdout=out)
    assert out.getvalue() == "queued 1 link checks\n"
    assert sub.evidence.get().link_status == "ok"
