// Package indicator is the indicator catalogue: the definitions behind IKI
// targets (aspect, unit of measure, direction, formula), their revisions, each
// valid from a date and never rewriting history, a preset catalogue of the
// indicators the source systems use, and the achievement formula per
// direction.
package indicator
