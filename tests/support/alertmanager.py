"""A small HTTP server that speaks Prometheus Alertmanager's v2 alerts API (GET /api/v2/alerts),
filtering by the `active`, `silenced` and `inhibited` query parameters as Alertmanager does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def alert(name: str, *, silenced: bool = False, inhibited: bool = False, **labels: str) -> dict[str, Any]:
    """A gettableAlert as Alertmanager returns it."""
    state = "suppressed" if silenced or inhibited else "active"
    return {
        "labels": {"alertname": name, **labels},
        "annotations": {},
        "receivers": [{"name": "default"}],
        "fingerprint": f"{abs(hash(name)):016x}",
        "startsAt": "2026-03-01T12:00:00.000Z",
        "updatedAt": "2026-03-01T12:00:00.000Z",
        "endsAt": "2026-03-01T12:05:00.000Z",
        "generatorURL": "http://prometheus:9090/graph",
        "status": {
            "state": state,
            "silencedBy": ["3d2a0b5e-silence"] if silenced else [],
            "inhibitedBy": ["f00dcafe"] if inhibited else [],
        },
    }


class FakeAlertmanager:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.status = 200
        self.ignore_filters = False
        self.queries: list[dict[str, list[str]]] = []
        self.authorizations: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                outer.authorizations.append(self.headers.get("Authorization"))
                if url.path != "/api/v2/alerts":
                    self._send(404, "not found")
                    return
                query = parse_qs(url.query)
                outer.queries.append(query)
                if outer.status != 200:
                    self._send(outer.status, "failure")
                    return

                def wanted(flag: str) -> bool:
                    return outer.ignore_filters or query.get(flag, ["true"])[0] == "true"

                shown = [
                    a
                    for a in outer.alerts
                    if (wanted("active") or a["status"]["state"] != "active")
                    and (wanted("silenced") or not a["status"]["silencedBy"])
                    and (wanted("inhibited") or not a["status"]["inhibitedBy"])
                ]
                self._send(200, json.dumps(shown), "application/json")

            def _send(self, status: int, body: str, content_type: str = "text/plain") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeAlertmanager:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
