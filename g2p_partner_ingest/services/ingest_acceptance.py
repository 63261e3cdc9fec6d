"""Whether one ingest call is accepted, and what it is answered.

``POST /partner/ingest_data`` (a JSON payload) and ``POST /partner/ingest_file`` (a CSV or XLSX file
with a signed manifest) go through the same acceptance: the sender it claims, the signature that proves
it (bound to the message id and its time), the rate limit, the ingest scope, idempotency on the sender
and message id, then a dry run or the items stored raw and queued. The routes parse, call and answer.
Errors are ``IngestError``s (the envelope's codes, docs/errors.md); ``call`` is the call's ``IngestCall``
(its audit context), told who the caller turned out to be as soon as it is known.
"""

import json
import logging

from pydantic import ValidationError

from odoo.addons.g2p_partner_api.dependencies import enforce_rate_limit
from odoo.addons.g2p_partner_api.services import jsonpath, jwt_service, strict_json

from ..models.g2p_api_client import INGEST_SCOPE
from ..models.g2p_ingest_detection_pattern import DetectionPatternTimeout
from ..schemas.ingest_file import FileManifest
from .ingest_envelope import IngestError, envelope, render
from .row_file import FileUnreadable, open_rows, sha256_of

_logger = logging.getLogger(__name__)
SIGNATURE_WINDOW_PARAM = "g2p_partner_ingest.signature_window_seconds"
DEFAULT_SIGNATURE_WINDOW = 600


def found_at(path, wrapped, what):
    """The value at JSONPath ``path`` of the call, refused (naming where it was expected) when absent."""
    value = jsonpath.find_first(path, wrapped) if path else None
    if value in (None, "", [], {}):
        raise IngestError("INVALID_REQUEST", f"Missing {what} (expected at {path}).")
    return value


class IngestAcceptance:
    def __init__(self, env, call):
        self.env = env
        self.call = call
        self.Model = env["g2p.ingest.data.model"].sudo()
        self.Raw = env["g2p.ingest.raw"].sudo()

    # --- POST /partner/ingest_data ----------------------------------------------------------
    def accept_payload(self, headers, body, data_model=None, register_id=None, intake_form_id=None, dry_run=False):
        """The answer (envelope) to one JSON payload: ``headers`` lower-cased, ``body`` the parsed object."""
        wrapped = {"headers": headers, "body": body}
        if "\\u0000" in json.dumps(body):
            # PostgreSQL text cannot hold NUL characters: refuse rather than fail on storage
            raise IngestError("INVALID_REQUEST", "NUL characters are not allowed in payloads.")
        model = self._explicit_data_model(data_model, register_id, intake_form_id)
        bypass = bool(model and register_id and intake_form_id)
        candidates = model or self.Model.search([("detection_pattern_ids", "!=", False)])
        if not candidates:
            raise IngestError("DATA_MODEL_NOT_FOUND", "No data model matches this payload; pass ?data_model=.")
        sender = self._claimed_sender(candidates, wrapped)
        client = self.registered_client(sender)
        # detection patterns (regular expressions, time-limited) run only once the sender is a known partner
        model = model or self._detect(candidates, wrapped)
        self.call.data_model = model
        message_id = str(found_at(model.key_path_message_id, wrapped, "message id"))
        self.call.message_id = message_id
        if str(found_at(model.key_path_sender, wrapped, "sender")) != sender:
            raise IngestError("INVALID_REQUEST", f"The sender at {model.key_path_sender} differs from the one claimed.")
        items = self._items(model, wrapped)
        fingerprint = None
        if not client.ingest_allow_unsigned:
            signature = found_at(model.key_path_signature, wrapped, "signature")
            signed = found_at(model.key_path_signature_payload, wrapped, "signed payload")
            fingerprint = self.verify_signature(client, signature, signed, message_id)
        self.admit(client, sender)
        previous = self.previous_call(client, model, message_id, dry_run)
        if previous:
            return previous
        if bypass and model.target != ("group" if register_id.lower() in ("group", "household") else "individual"):
            raise IngestError("INVALID_REQUEST", f"register_id {register_id!r} does not match {model.mnemonic}.")
        if dry_run:
            return self.dry_run_answer(client, model, message_id, items, classify=not bypass)
        rows = self.Raw._receive(client, model, message_id, items, headers.get("x-source-system"), bypass, fingerprint)
        return self.accepted_answer(model, message_id, rows)

    def _explicit_data_model(self, data_model, register_id, intake_form_id):
        """The data model the caller names, if any. The intake-form bypass names one too (and skips
        classification): it can only narrow the choice, never pair one model's checks with another's."""
        if intake_form_id and register_id:
            if data_model and data_model.upper() != intake_form_id.upper():
                raise IngestError("INVALID_REQUEST", "data_model and intake_form_id name different data models.")
            data_model = intake_form_id
        if not data_model:
            return self.Model
        return self.data_model_named(data_model)

    def data_model_named(self, mnemonic):
        found = self.Model.search([("mnemonic", "=", mnemonic.upper())], limit=1)
        if not found:
            raise IngestError("DATA_MODEL_NOT_FOUND", f"No data model {mnemonic.upper()!r}.")
        return found

    @staticmethod
    def _claimed_sender(candidates, wrapped):
        """What the payload says about its sender (not yet verified), read with the candidates' key paths."""
        paths = list(dict.fromkeys(candidates.mapped("key_path_sender")))
        for path in paths:
            value = jsonpath.find_first(path, wrapped)
            if value not in (None, "", [], {}):
                return str(value)
        raise IngestError("INVALID_REQUEST", f"Missing sender (expected at {' or '.join(paths)}).")

    @staticmethod
    def _detect(candidates, wrapped):
        try:
            found = next((m for m in candidates if m._matches(wrapped)), None)
        except DetectionPatternTimeout as exc:
            _logger.warning("A detection pattern of data model %s hit its time limit", exc.args[0])
            raise IngestError(
                "DATA_MODEL_NOT_FOUND",
                f"A detection pattern of {exc.args[0]} took too long on this payload; pass ?data_model=.",
            ) from exc
        if not found:
            raise IngestError("DATA_MODEL_NOT_FOUND", "No data model matches this payload; pass ?data_model=.")
        return found

    @staticmethod
    def _items(model, wrapped):
        if not model.is_list:
            item = (
                jsonpath.find_first(model.key_path_signature_payload, wrapped)
                if model.key_path_signature_payload
                else None
            )
            return [item if item is not None else wrapped["body"]]
        items = found_at(model.key_path_list_elements, wrapped, "list of items")
        if not isinstance(items, list):
            raise IngestError("INVALID_REQUEST", f"{model.key_path_list_elements} must be a list.")
        if len(items) > model.max_items:
            raise IngestError("INVALID_REQUEST", f"At most {model.max_items} items per call.")
        return items

    # --- POST /partner/ingest_file, and staff uploading a file for a partner ---------------------
    def accept_file(self, headers, fileobj, manifest_text, dry_run=False):
        """The answer (envelope) to a CSV or XLSX file (``fileobj``, binary, seekable) sent with its manifest:
        the partner's JWS over the file's SHA-256, its data model and message id."""
        manifest = self._manifest(manifest_text)
        header, message = manifest["header"], manifest["message"]
        client = self.registered_client(header["sender_id"])
        model = self.data_model_named(message["data_model"])
        self.call.data_model = model
        message_id = header["message_id"]
        self.call.message_id = message_id
        fingerprint = None
        if not client.ingest_allow_unsigned:
            if not manifest.get("signature"):
                raise IngestError("INVALID_REQUEST", "Missing signature (expected at manifest.signature).")
            fingerprint = self.verify_signature(client, manifest["signature"], message, message_id)
        if sha256_of(fileobj) != message["sha256"]:
            raise IngestError("REQUEST_VALIDATION_ERROR", "The file is not the one signed: its SHA-256 differs.")
        self.admit(client, header["sender_id"])
        return self._file_answer(
            client,
            model,
            message_id,
            fileobj,
            dry_run,
            headers.get("x-source-system"),
            encoding=message.get("encoding"),
            verified_key_fingerprint=fingerprint,
        )

    def accept_upload(self, client, data_model, fileobj, user, dry_run=False):
        """The answer to a file a staff member uploads on behalf of ``client``: the checks of a partner's file
        but the signature (the member is authenticated; recorded on each item) and the rate limit (the partner's
        calls are not spent). The message id is the file's SHA-256: the same file twice is one submission."""
        self.call.actor = user.login
        self.call.data_model = data_model
        if INGEST_SCOPE not in client._scope_codes():
            raise IngestError("INSUFFICIENT_SCOPE", f"This partner may not ingest: it lacks the scope {INGEST_SCOPE}.")
        message_id = f"upload-{sha256_of(fileobj)}"
        return self._file_answer(client, data_model, message_id, fileobj, dry_run, uploaded_by=user)

    @staticmethod
    def _manifest(text):
        try:
            manifest = strict_json.loads(text)
            FileManifest.model_validate(manifest)
        except strict_json.RepeatedMember as exc:
            raise IngestError("INVALID_REQUEST", f"manifest: {exc}") from exc
        except ValidationError as exc:
            where = "; ".join(
                f"manifest.{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise IngestError("INVALID_REQUEST", where) from exc
        except ValueError as exc:
            raise IngestError("INVALID_REQUEST", f"The manifest is not JSON: {exc}") from exc
        return manifest

    def _file_answer(self, client, model, message_id, fileobj, dry_run, source_system=None, encoding=None, **received):
        previous = self.previous_call(client, model, message_id, dry_run)
        if previous:
            return previous
        column_map = model._column_map()
        if not column_map:
            raise IngestError("INVALID_REQUEST", f"The data model {model.mnemonic} takes no files (no column map).")
        rows = self._rows(fileobj, column_map, model.max_file_rows, encoding)
        if dry_run:
            return self.dry_run_answer(client, model, message_id, rows, from_file=True)
        stored = self.Raw._receive(client, model, message_id, rows, source_system, from_file=True, **received)
        if not stored:
            raise IngestError("INVALID_REQUEST", "The file has a header row but no rows.")
        correlation_id = stored[0].correlation_id
        self.call.correlation_id = correlation_id
        # no ingest id per row (a file may have 100,000): GET /ingest_status tells each row's status
        return render(
            model,
            envelope(message_id, correlation_id, {"correlation_id": correlation_id, "item_count": len(stored)}),
        )

    @staticmethod
    def _rows(fileobj, column_map, max_rows, encoding=None):
        """The file's rows, ``(row number, {column: text})``, read as they are consumed; what cannot be read
        refuses the whole file (naming the row or column). ``encoding``: of a CSV, as its manifest declares."""
        try:
            header, rows = open_rows(fileobj, column_map.column_kinds(), encoding)
            problem = column_map.header_problem(header)
            if problem:
                raise IngestError("INVALID_REQUEST", problem)
            for count, row in enumerate(rows, start=1):
                if count > max_rows:
                    raise IngestError("INVALID_REQUEST", f"At most {max_rows} rows per file.")
                IngestAcceptance._check_no_nul(row)
                yield row
        except FileUnreadable as exc:
            raise IngestError("FILE_UNREADABLE", str(exc)) from exc

    @staticmethod
    def _check_no_nul(row):
        """Refuse a row with a NUL in a cell, naming it, as a payload holding one is refused: PostgreSQL text
        cannot hold NUL characters, and the row would fail on storage or at each attempt of its pipeline."""
        number, cells = row
        for column, value in cells.items():
            if isinstance(value, str) and "\x00" in value:
                raise IngestError(
                    "INVALID_REQUEST", f"Row {number}, column {column!r}: NUL characters are not allowed in cells."
                )

    # --- the checks every call passes ----------------------------------------------------------
    def registered_client(self, sender):
        """The client ``sender`` names; the claim is what the audit records until a signature proves it."""
        self.call.actor = f"unauthenticated (claimed {sender[:64]!r})"
        client = self.env["g2p.api.client"].sudo()._by_ingest_sender(sender)
        if not client:
            raise IngestError("PARTNER_NOT_REGISTERED", f"Partner {sender!r} is not registered.")
        return client

    def verify_signature(self, client, signature, signed, message_id):
        """Fingerprint of the client's key that verified ``signature`` over exactly ``signed``, bound to
        ``message_id`` and made within the signature window."""
        if not client._has_signature_key():
            raise IngestError("REQUEST_VALIDATION_ERROR", "No public key is registered for this partner.")
        window = int(self.env["ir.config_parameter"].sudo().get_param(SIGNATURE_WINDOW_PARAM, DEFAULT_SIGNATURE_WINDOW))
        try:
            # the key the JWS header's kid names, when the client publishes a key set
            key = client._signature_key(jwt_service.unverified_kid(signature))
            jwt_service.verify_signed_object(
                signature, signed, key.pem, message_id=message_id, max_age=window, algorithms=key.algorithms
            )
        except jwt_service.SignatureInvalid as exc:
            raise IngestError("REQUEST_VALIDATION_ERROR", f"Signature verification failed: {exc}") from exc
        return key.fingerprint

    def admit(self, client, actor):
        """The proven sender: audited as itself, counted against its rate limit, refused without the scope."""
        self.call.actor = actor
        self.call.client_id = client.id
        # counted once the sender is proven, so nobody can spend a partner's calls by claiming to be it
        enforce_rate_limit(self.env, client.id, client._effective_rate_limit(), self.call)
        # told only to the proven sender: others learn nothing more than PARTNER_NOT_REGISTERED already says
        if INGEST_SCOPE not in client._scope_codes():
            raise IngestError("INSUFFICIENT_SCOPE", f"This partner may not ingest: it lacks the scope {INGEST_SCOPE}.")

    # --- the answers ------------------------------------------------------------------------------
    def previous_call(self, client, model, message_id, dry_run):
        """Idempotency: a message id the sender already used is answered with the original correlation id,
        and nothing new is stored. None for a new message id."""
        previous = self.Raw.search([("client_id", "=", client.id), ("message_id", "=", message_id)], order="item_index")
        if not previous:
            return None
        correlation_id = previous[0].correlation_id
        self.call.correlation_id = correlation_id
        payload = {"correlation_id": correlation_id, "ingest_ids": previous.mapped("ingest_id"), "duplicate": True}
        if dry_run:
            return envelope(message_id, None, dict(payload, dry_run=True, data_model=model.mnemonic, items=[]))
        return render(model, envelope(message_id, correlation_id, payload))

    def dry_run_answer(self, client, model, message_id, items, classify=True, from_file=False):
        # the plain envelope, never the data model's legacy acknowledgement template: this answer is for developers
        answers = self.Raw._dry_run(client, model, items, classify, from_file)
        return envelope(
            message_id,
            None,
            {
                "dry_run": True,
                "data_model": model.mnemonic,
                "duplicate": False,
                "item_count": len(answers),
                "items": answers,
            },
        )

    def accepted_answer(self, model, message_id, rows):
        correlation_id = rows[0].correlation_id
        self.call.correlation_id = correlation_id
        return render(
            model,
            envelope(
                message_id,
                correlation_id,
                {"correlation_id": correlation_id, "ingest_ids": rows.mapped("ingest_id"), "item_count": len(rows)},
            ),
        )
