"""A small GOV.UK-Signon-compatible OAuth2 provider, run as a real HTTP server.

Tests point ``backdrop.oauth.base_url`` at it. ``/oauth/authorize`` signs the
configured user in at once (no form) and redirects back with a code;
``/oauth/token`` exchanges it for an access token; ``/user.json`` describes
the user. Set ``permissions`` to leave out ``signin``, or ``token_error`` to
make the token endpoint answer an OAuth2 error.
"""
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class SignonServer:
    def __init__(self, client_id="test-client", client_secret="test-secret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = {
            "uid": "u-1",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "permissions": ["signin"],
            "organisation_slug": "test-org",
        }
        self.token_error = None  # e.g. (401, "invalid_client")
        self.codes = {}  # code -> redirect_uri
        self.tokens = set()
        self.requests = []  # (method, path) in arrival order
        self._server = None
        self._thread = None

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- the three endpoints ------------------------------------------------
    def authorize(self, query):
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}, {}
        redirect_uri = query.get("redirect_uri", "")
        code = secrets.token_urlsafe(16)
        self.codes[code] = redirect_uri
        back = urlencode({"code": code, "state": query.get("state", "")})
        separator = "&" if "?" in redirect_uri else "?"
        return 302, None, {"Location": f"{redirect_uri}{separator}{back}"}

    def token(self, form):
        if self.token_error:
            status, error = self.token_error
            return status, {"error": error, "error_description": "refused by the test provider"}, {}
        client = (form.get("client_id"), form.get("client_secret"))
        if client != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}, {}
        code = form.get("code")
        if form.get("grant_type") != "authorization_code" or code not in self.codes:
            return 400, {"error": "invalid_grant"}, {}
        if self.codes.pop(code) != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}, {}
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 7200}, {}

    def user_json(self, authorization):
        token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else None
        if token not in self.tokens:
            return 401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"}
        return 200, {"user": dict(self.user)}, {}


def _handler_for(signon):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            signon.requests.append(("GET", url.path))
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            if url.path == "/oauth/authorize":
                self._answer(*signon.authorize(query))
            elif url.path == "/user.json":
                self._answer(*signon.user_json(self.headers.get("Authorization", "")))
            else:
                self._answer(404, {"error": "not_found"}, {})

        def do_POST(self):
            url = urlsplit(self.path)
            signon.requests.append(("POST", url.path))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            form = {key: values[0] for key, values in parse_qs(body).items()}
            if url.path == "/oauth/token":
                self._answer(*signon.token(form))
            else:
                self._answer(404, {"error": "not_found"}, {})

        def _answer(self, status, body, headers):
            payload = json.dumps(body).encode("utf-8") if body is not None else b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


def main(argv=None):
    """Run the provider for local development: ``python -m tests.support.signon``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--email", default="dev@example.com")
    parser.add_argument("--name", default="Developer")
    parser.add_argument("--client-id", default="backdrop-development")
    parser.add_argument("--client-secret", default="backdrop-development-secret")
    args = parser.parse_args(argv)
    server = SignonServer(args.client_id, args.client_secret)
    server.user.update(email=args.email, name=args.name)
    server._server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler_for(server))
    print(f"test Signon provider on {server.base_url}, signing in {args.email}")
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()


if __name__ == "__main__":  # pragma: no cover
    main()
