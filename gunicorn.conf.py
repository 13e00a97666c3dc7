"""gunicorn's settings for `gunicorn wsgi:app`, read from this directory (README, "Security
settings").

The portal refuses an address (path and query) or a single header over 8 KB itself, with a
styled page in the reader's language (portal/security.py: a 414 or a 431). gunicorn's own
limits would refuse them first, with a bare "400 Bad Request" and no page, so they are set
above the portal's:
"""

# The request line ("GET <address> HTTP/1.1"). gunicorn takes 1 to 8190 bytes here (anything
# larger is cut back to 8190, just under the portal's 8 KB) or 0 for no limit of its own, so
# only 0 lets an over-long address reach the portal's page. Its C parser still stops at 1 MB;
# its Python parser does not, so keep the proxy in front of gunicorn (nginx, a load balancer)
# to a limit of its own, e.g. nginx's `large_client_header_buffers 4 64k`.
limit_request_line = 0

# One header line. This one has no ceiling in gunicorn: 64 KB lets a long header (a swollen
# Cookie, usually) reach the portal, which answers with its 431 page; longer still gets
# gunicorn's bare 400. With the default 100 headers, a request's headers stay under 6.5 MB.
# (0 would not mean "no limit": gunicorn reads it as its default, 8190.)
limit_request_field_size = 64 * 1024
