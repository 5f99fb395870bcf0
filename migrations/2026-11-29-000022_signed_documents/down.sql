DROP TABLE signed_documents;
DROP TABLE signing_keys;
