from flask import Response
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.cases.schemas import WorkflowSchema
from berjasa.cases.triggers import TABLES
from berjasa.errors import NotFound
from workflows.registry import load as load_workflows

blp = v1_blueprint("workflows", __name__, "The case workflows: states, transitions, diagrams")


@blp.route("/workflows")
class Workflows(MethodView):
    @blp.response(200, WorkflowSchema(many=True))
    def get(self):
        """Each workflow's states and transitions (trigger, sources, destination, roles, guards, data schema)."""
        return [_described(w) for w in load_workflows().values()]


def _described(workflow) -> dict:
    described = workflow.describe()
    table = TABLES.get(workflow.name)
    names = table.schema_names() if table else {}
    data = table.data_schemas() if table else {}
    for row in described["transitions"]:
        row["schema"] = names.get(row["trigger"])
        row["data_schema"] = data.get(row["trigger"])
    return described


@blp.route("/workflows/<text:name>/diagram")
class Diagram(MethodView):
    @blp.response(200, content_type="text/plain", description="mermaid stateDiagram-v2")
    def get(self, name):
        """The workflow as a mermaid stateDiagram-v2."""
        workflow = load_workflows().get(name)
        if workflow is None:
            raise NotFound(f"No workflow {name!r}")
        return Response(workflow.diagram(), mimetype="text/plain")
