import pytest

from regions.choices import OrganisationKind, Sector
from regions.models import Organisation

WENGUAN = "210105023201"


@pytest.fixture
def health(db):  # noqa: ANN001, ANN201
    return Organisation.objects.get(region__code="210105000000", kind=OrganisationKind.DEPARTMENT, sector=Sector.HEALTH)


@pytest.fixture
def complaint_body(health):  # noqa: ANN001, ANN201
    return {
        "category": "secondment", "region": WENGUAN, "agency": health.pk,
        "text": "区卫生健康局未经区政府批准，借调村委会委员到局里帮忙三个月。",
    }


@pytest.fixture
def tmp_media(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
