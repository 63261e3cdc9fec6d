"""Test helpers shared by every addon of the suite: real mounted apps, real tokens."""

from contextlib import contextmanager
from datetime import UTC, datetime, time
from uuid import uuid4

from fastapi import FastAPI

from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.extendable_fastapi.tests.common import FastAPITransactionCase

from ..demo.job_runner import perform_pending_jobs
from ..services import url_guard
from .http_receiver import Receiver

# the token endpoint's answers (RFC 6749 §5.2): any failed client authentication, and the right secret of a client
# whose secret registry staff saw (it only replaces itself)
INVALID_CLIENT = {"error": "invalid_client", "error_description": "Client authentication failed."}
SECRET_SHOWN_TO_STAFF = {
    "error": "unauthorized_client",
    "error_description": "This secret was shown to registry staff: replace it with POST /api/v2/oauth/client_secret "
    "first, then use the secret that call answers.",
}

SECOND_HALF_LOGIN = "activation_second_half_manager"
# today at 23:30 UTC, when staff east of UTC are already on tomorrow: tests of dates against today run then
# (``freeze_time(LATE_EVENING_UTC)``), as the registry has one calendar whoever asks (``registry_today``)
LATE_EVENING_UTC = datetime.combine(datetime.now(UTC).date(), time(23, 30))


def activation_secret(client, first_half, second_half_by=None):
    """What the partner holds after onboarding: ``first_half`` (what Generate secret showed one person) and the second
    half another person generates (``second_half_by``, by default an API Manager of its own), joined as the partner
    sends them to POST /api/v2/oauth/client_secret."""
    if second_half_by is None:
        Users = client.env["res.users"].sudo()
        second_half_by = Users.search([("login", "=", SECOND_HALF_LOGIN)]) or new_test_user(
            client.env, SECOND_HALF_LOGIN, groups="base.group_user,g2p_partner_api.group_api_manager"
        )
    second_half = client.with_user(second_half_by).action_generate_second_half()["params"]["secret"]
    return f"{first_half}.{second_half}"


@tagged("post_install", "-at_install")
class G2PApiCase(FastAPITransactionCase):
    """Base for tests that call an app of the suite the way a partner does.

    ``self._api()`` yields a TestClient on the app built from the real ``fastapi.endpoint``
    record (its routers, middleware and error envelope), mounted at its root path and run
    as the endpoint's technical user; authentication goes through real OAuth tokens.
    """

    endpoint_xmlid = "g2p_partner_api.fastapi_endpoint_rest"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls.env.ref(cls.endpoint_xmlid)
        cls.rest_endpoint = cls.env.ref("g2p_partner_api.fastapi_endpoint_rest")
        cls.Client = cls.env["g2p.api.client"]
        # calls made before the class (the demo partner's, with demo data) are not the tests' calls
        cls.audited_before = cls.env["g2p.api.audit.log"].search([]).ids

    # Tests of the base read registrants that have no consent record; when g2p_api_consent is
    # installed too, their clients read under a legal basis (consent has its own tests).
    default_legal_basis = "Test fixture: registry law, art. 1"

    @classmethod
    def _create_client(cls, name="Test partner", scopes=(), legal_basis=default_legal_basis, **vals):
        """A client with the given scope codes; returns (client, clear secret)."""
        client = cls._new_client(name, scopes, legal_basis, **vals)
        return client, client._generate_secret()

    @classmethod
    def _new_client(cls, name="Test partner", scopes=(), legal_basis=default_legal_basis, **vals):
        """A client with the given scope codes and no secret yet, as an API Manager onboards it."""
        if legal_basis:
            vals = dict(cls.Client._legal_basis_vals(legal_basis), **vals)
        scope_records = cls.env["g2p.api.scope"].search([("code", "in", list(scopes))])
        missing = set(scopes) - set(scope_records.mapped("code"))
        if missing:
            scope_records |= cls.env["g2p.api.scope"].create([{"code": code} for code in missing])
        return cls.Client.create(dict({"name": name, "scope_ids": [(6, 0, scope_records.ids)]}, **vals))

    @classmethod
    def _move_endpoint(cls, endpoint, company):
        """What an administrator does to make ``endpoint`` work for ``company`` (its user may, then it does)."""
        endpoint.user_id.write({"company_ids": [(4, company.id)]})
        endpoint.company_id = company

    @classmethod
    def _allow_outbound_hosts(cls, *entries):
        """What a system administrator does to let outbound calls reach local hosts (the test receivers)."""
        cls.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, ",".join(entries))

    @contextmanager
    def _api(self, endpoint=None, source_address=None, env=None):
        """A client of the mounted app; its calls come from ``source_address``, by default an address
        of this test's own (failed authentications are counted per address in committed rows).
        ``env``: the calls run in it rather than in the test's transaction."""
        endpoint = endpoint or self.endpoint
        source_address = source_address or self._address("testclient")
        app = FastAPI()
        app.mount(endpoint.root_path, endpoint._get_app())
        # as fastapi.endpoint.get_app() does in production: errors go to our middleware, not FastAPI's handlers
        endpoint._clear_fastapi_exception_handlers(app)
        with self._create_test_client(
            app=app,
            env=(env or self.env)(user=endpoint.user_id),
            raise_server_exceptions=False,
            testclient_kwargs={"client": (source_address, 50000)},
        ) as client:
            yield client

    def problem_locations(self, response):
        """Where each problem of a problem details answer is (JSON pointer, parameter or header), once
        the answer is checked to be one."""
        self.assertEqual(response.headers.get("content-type"), "application/problem+json", response.text)
        body = response.json()
        self.assertEqual(body["type"], f"urn:g2p:problem:{body['code']}", body)
        self.assertEqual(body["status"], response.status_code, body)
        return [error.get("pointer", error.get("parameter", error.get("header"))) for error in body["errors"]]

    # what two answers differ in whatever they are about: the client's calls left in the rate-limit window
    PER_CALL_HEADERS = ("ratelimit-remaining", "ratelimit-reset")

    def assert_answered_as_unknown(self, api, method, path, uuid, **kwargs):
        """``method`` on ``path`` naming the registrant ``uuid`` (``{uuid}`` in ``path``) is answered exactly as
        the same call naming a uuid nobody holds: 404 ``not_found``, the same bytes but for the uuid, the same
        headers. Returns the answer about ``uuid``."""
        unknown = str(uuid4())
        about, nobody = (api.request(method, path.format(uuid=named), **kwargs) for named in (uuid, unknown))
        self.assertEqual((about.status_code, about.json()["code"]), (404, "not_found"), about.text)
        self.assertEqual(
            about.content.replace(uuid.encode(), b"<uuid>"),
            nobody.content.replace(unknown.encode(), b"<uuid>"),
            "the answer tells the registrant from a uuid nobody holds",
        )

        def headers(response):
            return {name: value for name, value in response.headers.items() if name not in self.PER_CALL_HEADERS}

        self.assertEqual(headers(about), headers(nobody))
        return about

    def problem_fields(self, response):
        """The fields a problem details answer names, as its messages name them (``members[0].name``,
        a query parameter or header by its name)."""
        labels = []
        for error in response.json()["errors"]:
            if "pointer" not in error:
                labels.append(error.get("parameter", error.get("header")))
                continue
            label = ""
            for part in error["pointer"].split("/")[1:]:
                part = part.replace("~1", "/").replace("~0", "~")
                label += f"[{part}]" if part.isdigit() else (f".{part}" if label else part)
            labels.append(label)
        return labels

    def _address(self, host):
        """``host`` as seen by this test alone: counters committed by other tests do not reach it."""
        return f"{host}/{self.id()}"

    def _token(self, client_id, secret, scope=None):
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        if scope:
            data["scope"] = scope
        with self._api(self.rest_endpoint) as api:
            response = api.post("/api/v2/oauth/token", data=data)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["access_token"]

    def _auth(self, client, secret, scope=None):
        return {"Authorization": f"Bearer {self._token(client.client_id, secret, scope)}"}

    def _audit_rows(self, **domain):
        return self.env["g2p.api.audit.log"].search(
            [("id", "not in", self.audited_before)] + [(k, "=", v) for k, v in domain.items()]
        )

    def run_jobs(self, model_names):
        """Run pending queue_job jobs of these models (and those they enqueue) as the runner would, retries
        queued for later included (at once)."""
        return len(perform_pending_jobs(self.env, model_names, due_only=False))

    def commit_events(self):
        """What a commit does for outbound events: flush, then run the pre-commit hooks."""
        self.env.flush_all()
        self.env.cr.precommit.run()


class G2PReceiverCase(G2PApiCase):
    """Tests of outbound calls: a real HTTP receiver on 127.0.0.1 for the class, emptied before each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = Receiver().__enter__()
        cls.addClassCleanup(cls.receiver.__exit__, None, None, None)

    def setUp(self):
        super().setUp()
        self.receiver.requests.clear()
        self.receiver.responses.clear()

    @classmethod
    def _set_up_subscriber(cls, name, scopes):
        """``cls.client`` (and ``cls.secret``) with ``scopes``, ``cls.person`` a demo individual, the
        receiver's host opened to outbound calls."""
        cls.client, cls.secret = cls._create_client(name, scopes=scopes)
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")
        cls._allow_outbound_hosts(cls.receiver.host_port)

    def _subscribe(self, events, **vals):
        """A subscription of ``self.client`` to the receiver (at /events); returns it and its HMAC secret."""
        sub = self.env["g2p.api.subscription"].create(
            dict(
                {
                    "name": "Payments",
                    "client_id": self.client.id,
                    "target_url": self.receiver.url + "/events",
                    "allow_insecure": True,
                    "event_type_ids": [(6, 0, self.env["g2p.api.event.type"].search([("code", "in", events)]).ids)],
                    "max_attempts": 3,
                    "timeout": 1.0,
                },
                **vals,
            )
        )
        return sub, sub._generate_hmac_secret()

    def _delivered_update(self, family_name):
        """The delivery of one ``individual.updated`` of ``self.person``, sent to the receiver (whose
        requests are then cleared)."""
        sub, _secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": family_name})
        self.commit_events()
        self.run_jobs(["g2p.api.delivery"])
        delivery = sub.delivery_ids
        self.assertEqual((delivery.state, len(self.receiver.requests)), ("sent", 1))
        self.receiver.requests.clear()
        return delivery

    def _send_again(self, delivery, user):
        """*Send again* pressed by ``user``, then the jobs run; returns the error of the last attempt."""
        delivery.with_user(user).action_resend()
        self.run_jobs(["g2p.api.delivery"])
        return delivery.attempt_ids.sorted("id")[-1].error


def partner_subscriptions(env, event_xmlid, destinations):
    """One subscription to the event ``event_xmlid`` per (name, client, host) of ``destinations``."""
    event = env.ref(event_xmlid)
    return env["g2p.api.subscription"].create(
        [
            {
                "name": name,
                "client_id": client.id,
                "target_url": f"https://{host}/hook",
                "event_type_ids": [(6, 0, event.ids)],
            }
            for name, client, host in destinations
        ]
    )


class JsonRpcAttackMixin:
    """For HttpCase tests that attack through the web client's own JSON-RPC routes."""

    def _as(self, login):
        self.authenticate(login, f"{login}_pw_Zz9")

    @classmethod
    def _user(cls, login, groups):
        return new_test_user(cls.env, login, password=f"{login}_pw_Zz9", groups=groups)

    def _rpc(self, route, model, method, args, kwargs=None):
        """Call ``method`` over JSON-RPC; returns (result, None) or (None, the server's exception name)."""
        try:
            return self.make_jsonrpc_request(
                route, {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
            ), None
        except JsonRpcException as exc:
            return None, str(exc)
        finally:
            self.env.invalidate_all()

    def call_button(self, model, method, ids, context=None):
        return self._rpc("/web/dataset/call_button", model, method, [ids], {"context": context or {}})

    def call_kw(self, model, method, args, kwargs=None):
        return self._rpc(f"/web/dataset/call_kw/{model}/{method}", model, method, args, kwargs)
