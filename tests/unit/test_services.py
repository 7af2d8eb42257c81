"""``request.find_service``: singletons without a per-request container, the rest as before."""
import pytest
from pyramid.config import Configurator
from pyramid.request import Request, apply_request_extensions
from zope.interface import Interface


class ISingleton(Interface):
    pass


class IPerRequest(Interface):
    pass


THE_ONE = object()


def make_request():
    config = Configurator()
    config.include("backdrop.services")
    config.register_service(THE_ONE, ISingleton)
    config.register_service_factory(lambda context, request: ("made for", request), IPerRequest)
    config.commit()
    request = Request.blank("/")
    request.registry = config.registry
    apply_request_extensions(request)
    return request


def test_a_singleton_is_found_without_a_service_container():
    request = make_request()

    assert request.find_service(ISingleton) is THE_ONE
    assert request.find_service(ISingleton) is THE_ONE
    assert "services" not in request.__dict__


def test_a_service_factory_is_still_called_per_request():
    request = make_request()

    assert request.find_service(IPerRequest) == ("made for", request)
    assert "services" in request.__dict__


def test_an_unknown_service_is_a_lookup_error():
    request = make_request()

    with pytest.raises(LookupError):
        request.find_service(Interface, name="missing")
