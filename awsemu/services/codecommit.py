"""CodeCommit: ListRepositories, which moto does not implement (community.aws and our roles list first)."""

from moto.codecommit.models import codecommit_backends

from awsemu.core import handles


@handles("codecommit", "ListRepositories")
def list_repositories(req):
    backend = codecommit_backends[req.account_id][req.region]
    repos = [
        {"repositoryName": r.repository_metadata["repositoryName"], "repositoryId": r.repository_metadata["repositoryId"]}
        for r in backend.repositories.values()
    ]
    order = req.param("order", "ascending")
    repos.sort(key=lambda r: r["repositoryName"], reverse=(order == "descending"))
    return {"repositories": repos}
