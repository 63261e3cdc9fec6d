"""Namespace URIs of the registry's own vocabularies (data/g2p_vocabulary_data.xml), as the wire names them."""

GENDER_VOCABULARY = "urn:g2p:vocab:gender"
KIND_VOCABULARY = "urn:g2p:vocab:group-membership-kind"
