package indicator

import "github.com/google/uuid"

// Preset is an indicator of the preset catalogue, with an id derived from its
// code so that every installation defines it under the same stream.
type Preset struct {
	Code       string
	ID         uuid.UUID
	Definition Definition
}

// Codes of the preset indicators.
const (
	PresetDiscipline          = "discipline"
	PresetServiceQuality      = "service-quality"
	PresetInitiative          = "initiative"
	PresetResponseTime        = "service-response-time"
	PresetPublicComplaints    = "public-complaints"
	PresetCitizenSatisfaction = "citizen-satisfaction-index"
	PresetVaccinations        = "vaccinations-given"
)

// PresetID returns the id of the preset indicator with the given code: a
// name-based (SHA-1) UUID, the same everywhere.
func PresetID(code string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:kinerja:indicator:"+code))
}

// Presets returns the preset catalogue: the indicators that the regional
// e-Kinerja systems use (domain reference §5.3). They are local indicators,
// not fixed by national regulation: define them with Define and revise them
// as the instansi decides.
func Presets() []Preset {
	defs := []struct {
		code string
		def  Definition
	}{
		{PresetDiscipline, Definition{
			Name: "Disiplin kehadiran", Aspect: Quality, UnitOfMeasure: "%", Direction: HigherIsBetter,
			Measurement: "hari kerja hadir tepat waktu / hari kerja dalam periode × 100", DataSource: "e-Presensi"}},
		{PresetServiceQuality, Definition{
			Name: "Kualitas layanan sesuai standar pelayanan", Aspect: Quality, UnitOfMeasure: "%", Direction: HigherIsBetter,
			Measurement: "layanan yang memenuhi standar pelayanan / seluruh layanan × 100", DataSource: "sistem layanan"}},
		{PresetInitiative, Definition{
			Name: "Inisiatif perbaikan kerja", Aspect: Quantity, UnitOfMeasure: "inisiatif", Direction: HigherIsBetter,
			Measurement: "jumlah usulan perbaikan atau inovasi yang diterapkan dalam periode", DataSource: "bukti dukung"}},
		{PresetResponseTime, Definition{
			Name: "Waktu tanggap layanan", Aspect: Time, UnitOfMeasure: "jam", Direction: LowerIsBetter,
			Measurement: "rata-rata jam dari permohonan diterima sampai ditanggapi", DataSource: "sistem antrean"}},
		{PresetPublicComplaints, Definition{
			Name: "Jumlah pengaduan masyarakat", Aspect: Quality, UnitOfMeasure: "pengaduan", Direction: LowerIsBetter,
			Measurement: "jumlah pengaduan yang diterima dalam periode", DataSource: "SP4N-LAPOR!"}},
		{PresetCitizenSatisfaction, Definition{
			Name: "Indeks Kepuasan Masyarakat (IKM/SKM)", Aspect: Quality, UnitOfMeasure: "nilai indeks (25-100)", Direction: HigherIsBetter,
			Measurement: "nilai IKM hasil Survei Kepuasan Masyarakat dalam periode", DataSource: "survei SKM"}},
		{PresetVaccinations, Definition{
			Name: "Jumlah vaksinasi yang diberikan", Aspect: Quantity, UnitOfMeasure: "dosis", Direction: HigherIsBetter,
			Measurement: "jumlah dosis vaksin yang diberikan dalam periode", DataSource: "aplikasi imunisasi"}},
	}
	out := make([]Preset, len(defs))
	for i, d := range defs {
		out[i] = Preset{Code: d.code, ID: PresetID(d.code), Definition: d.def}
	}
	return out
}
