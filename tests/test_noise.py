"""Our scripts silence exactly pytest.ini's third-party warnings, not ours."""
import warnings

from devtools.noise import silence_third_party_warnings, third_party_filters


def test_the_list_is_read_from_pytest_ini():
    filters = third_party_filters()
    assert ("ignore", "pkg_resources is deprecated as an API", DeprecationWarning, "") in filters
    assert all(action == "ignore" for action, *_ in filters)


def test_listed_warnings_are_silenced_and_ours_still_show():
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        silence_third_party_warnings()
        warnings.warn("pkg_resources is deprecated as an API", DeprecationWarning)
        warnings.warn("anninh: this helper is deprecated", DeprecationWarning)
    assert [str(w.message) for w in caught] == ["anninh: this helper is deprecated"]
