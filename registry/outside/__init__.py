"""Outside records the register is audited against: published contract awards (OCDS, CSV) and Companies House
appointments and persons with significant control. Readers only: no Flask, no database."""
