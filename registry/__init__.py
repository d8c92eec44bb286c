"""The register's domain and persistence: SQLModel tables and the services that change them."""
