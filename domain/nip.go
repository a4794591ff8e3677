package domain

// NIP identifies a civil servant: the 18-digit NIP of a PNS or CPNS, or the
// NI PPPK of a PPPK. Values of this type are normalised (digits only); build
// them with ParseNIP.
type NIP string
