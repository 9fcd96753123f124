import pytest


@pytest.fixture(autouse=True)
def _default_language():  # noqa: ANN202
    """Explanations follow the active language; a request in another test (e.g. one choosing English) can leave a
    language active on the thread, so each test here starts from the site's default (Chinese)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
