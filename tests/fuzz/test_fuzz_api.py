"""HTTP API fuzzing with schemathesis: requests generated from the app's own OpenAPI document
(valid and invalid parameters and bodies), sent as a 管理员 of the county with a Bearer
token to the real app over a copy of the demo county. No request may end in a 500."""
from __future__ import annotations

import shutil

import pytest
import schemathesis
from fuzzing import long_examples, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from weijian.web import Settings, create_app
from weijian.web.users import add_user, new_token
from weijian.workspace import Workspace


@pytest.fixture(scope="module")
def api(demo_workspace, tmp_path_factory):
    """(schema, admin token) for the app over a private copy of the demo county."""
    folder = tmp_path_factory.mktemp("fuzz-api") / "演示县"
    shutil.copytree(demo_workspace, folder)
    with Workspace.open(folder) as ws:
        add_user(ws, "fuzz_admin", "管理员", ws.package.root().code, None, by="test")
        token = new_token(ws, "fuzz_admin")
    app = create_app(folder, Settings(readers=2))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    try:
        yield schema, token
    finally:
        app.state.workspaces.close()


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def requests_for(operation) -> st.SearchStrategy:
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))


def fuzz_operation(operation, token: str, examples: int, derandomize: bool) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck))
    @given(case=requests_for(operation))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (f"{case.method} {case.formatted_path} → {response.status_code}\n"
                                            f"{case.as_curl_command()}\n{response.text[:500]}")
    run()


@pytest.mark.parametrize("examples", modes(ci=8))
def test_no_request_ends_in_a_server_error(api, examples):
    schema, token = api
    found = operations(schema)
    assert len(found) >= 15
    failures = []
    for operation in found:
        try:
            fuzz_operation(operation, token, examples or long_examples(), derandomize=examples is not None)
        except Exception as error:  # collect all operations' failures, then report them together
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
