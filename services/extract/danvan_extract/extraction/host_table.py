"""The operator's host → province table (``DANVAN_HOST_PROVINCES_FILE``).

The only file reading in this package, and the engine never calls it: the worker and
``danvan extract`` load the table once per process and pass it to ``extract_report`` as
``host_provinces``. The file is a JSON object of host labels or whole hosts to province
names (any spelling the gazetteer knows) or GSO codes, extending the built-in
``urls.HOST_PROVINCES``::

    {"baomoi": "Hà Nội", "tuoitre.vn": "Hồ Chí Minh", "nhandan": "01"}
"""

from __future__ import annotations

import logging
from functools import lru_cache
from types import MappingProxyType

from danvan_shared.settings import read_host_table

from .urls import province_code_named

logger = logging.getLogger("danvan.extract")


class HostTableError(ValueError):
    """The configured file is missing, not JSON, or not an object of strings."""


@lru_cache(maxsize=4)
def load_host_provinces(path: str | None) -> MappingProxyType[str, str] | None:
    """The table in ``path`` (None when no file is configured); read once per process.

    Keys are lower-cased; entries whose province the gazetteer does not know are dropped
    with a warning, so one typo does not stop the service.
    """
    if not path:
        return None
    try:
        data = read_host_table(path)
    except ValueError as error:
        raise HostTableError(str(error)) from None
    table: dict[str, str] = {}
    for host, province in data.items():
        key = host.strip().lower().strip(".")
        if not key:
            continue
        if province_code_named(province) is None:
            logger.warning("host provinces: %s → %r: unknown province, ignored", host, province)
            continue
        table[key] = province
    return MappingProxyType(table)
