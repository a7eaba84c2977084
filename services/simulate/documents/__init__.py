"""The simulated traffic's raw B2B documents (contract §2b): which scripted facts reach
potrack as an X12, EDIFACT, cXML or email document rather than as a CloudEvent, and the
documents themselves, written with the builders of `services.simulate.b2b`."""
