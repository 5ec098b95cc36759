from storefront.browser_fixtures import base_url, browser, page

__all__ = ["base_url", "browser", "page"]
