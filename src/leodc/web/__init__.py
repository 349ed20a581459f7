"""The dashboard: a FastAPI app over the run store (``leodc serve``), with a CesiumJS globe.

Cesium is not committed: ``make web`` installs the npm package into ``.cache/cesium`` and the app
serves its ``Build/Cesium`` folder at ``/cesium/``.
"""

from leodc.web.app import create_app

__all__ = ["create_app"]
