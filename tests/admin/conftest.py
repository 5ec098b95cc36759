from storefront.browser_fixtures import base_url, browser, live_server, page

__all__ = ["base_url", "browser", "live_server", "page"]
