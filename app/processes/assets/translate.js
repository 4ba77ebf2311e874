/* Bahasa Indonesia for bpmnlint's recommended rule messages and the modeler's own labels.
   bpmn-js and the lint plugin pass every text through the `translate` service; this replaces it. */

const TEXTS = {
  // bpmnlint (recommended rules)
  "A <Start Event> is not allowed in <Ad Hoc Sub Process>": "Peristiwa mulai tidak boleh ada di sub-proses ad hoc",
  "An <End Event> is not allowed in <Ad Hoc Sub Process>": "Peristiwa akhir tidak boleh ada di sub-proses ad hoc",
  "Sequence flow is missing condition": "Alur tidak punya kondisi",
  "An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>":
    "Gerbang berbasis peristiwa harus punya paling sedikit 2 alur keluar",
  "A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional":
    "Alur yang keluar dari gerbang berbasis peristiwa tidak boleh berkondisi",
  "Start event is missing event definition": "Peristiwa mulai tidak punya definisi peristiwa",
  "Incoming flows do not join": "Alur masuk tidak digabung oleh gerbang",
  "Element is missing name": "Elemen tidak punya nama",
  "Element is unused": "Elemen tidak dipakai",
  "Element name is not unique": "Nama elemen tidak unik",
  "Element is missing label/name": "Elemen tidak punya label/nama",
  "Link event is missing link name": "Peristiwa tautan tidak punya nama tautan",
  "Element is missing bpmndi": "Elemen tidak punya gambar diagram (BPMNDI)",
  "Element is not connected": "Elemen tidak tersambung",
  "SequenceFlow is a duplicate": "Alur ini ganda",
  "Duplicate outgoing sequence flows": "Alur keluar ganda",
  "Duplicate incoming sequence flows": "Alur masuk ganda",
  "Gateway forks and joins": "Gerbang sekaligus memecah dan menggabung alur",
  "Element is an implicit end": "Elemen menjadi akhir tersirat (sambungkan ke peristiwa akhir)",
  "Flow splits implicitly": "Alur bercabang tanpa gerbang",
  "Element is an implicit start": "Elemen menjadi awal tersirat (sambungkan dari peristiwa mulai)",
  "Element overlaps with other element": "Elemen menumpuk elemen lain",
  "Element is outside of parent boundary": "Elemen berada di luar batas induknya",
  "Event has multiple event definitions": "Peristiwa punya lebih dari satu definisi",
  "Start event must be blank": "Peristiwa mulai sub-proses harus polos",
  "Gateway is superfluous. It only has one source and target.":
    "Gerbang berlebihan: hanya punya satu alur masuk dan satu alur keluar.",
  "Sequence flow has superfluous label": "Alur punya label yang berlebihan",
  "Termination is superfluous.": "Terminasi berlebihan.",
  // bpmn-js-bpmnlint
  "Issues for child elements": "Temuan pada elemen di dalamnya",
  "Toggle linting overlays": "Tampilkan/sembunyikan tanda pemeriksaan",
  "{errors} Errors, {warnings} Warnings": "{errors} galat, {warnings} peringatan",
  // properties panel
  "General": "Umum",
  "Name": "Nama",
  "ID": "ID",
  "Documentation": "Dokumentasi",
  "Element documentation": "Dokumentasi elemen",
  "Process documentation": "Dokumentasi proses",
  "Executable": "Dapat dijalankan",
  "Participant Name": "Nama peserta",
  "Participant ID": "ID peserta",
  "Process ID": "ID proses",
  "Process name": "Nama proses",
  "Condition": "Kondisi",
  "Default flow": "Alur bawaan",
  "Conditional flow": "Alur berkondisi",
  "Sequence flow": "Alur",
  "Timer": "Timer",
  "Type": "Jenis",
  "Value": "Nilai",
  "Date": "Tanggal",
  "Duration": "Durasi",
  "Cycle": "Siklus",
  "<none>": "<tidak ada>",
  "Multi-instance": "Banyak instans",
  "Process": "Proses",
  "Signal": "Sinyal",
  "Message": "Pesan",
  "Select an element to edit its properties.": "Pilih elemen untuk mengubah propertinya.",
  "Multiple elements are selected. Select a single one to edit its properties.":
    "Beberapa elemen terpilih. Pilih satu untuk mengubah propertinya.",
};

const KINDS = { Process: "Proses", "Sub process": "Sub-proses" };

const PATTERNS = [
  [/^(Process|Sub process) is missing end event$/, (m) => `${KINDS[m[1]]} tidak punya peristiwa akhir`],
  [/^(Process|Sub process) is missing start event$/, (m) => `${KINDS[m[1]]} tidak punya peristiwa mulai`],
  [/^(Process|Sub process) has multiple blank start events$/,
    (m) => `${KINDS[m[1]]} punya lebih dari satu peristiwa mulai polos`],
  [/^Element type <(.+)> is discouraged$/, (m) => `Jenis elemen <${m[1]}> tidak dianjurkan`],
  [/^Link (catch|throw) event with link name <(.*)> missing in scope$/,
    (m) => `Pasangan peristiwa tautan <${m[2]}> tidak ada di lingkup ini`],
  [/^Duplicate link catch event with link name <(.*)> in scope$/,
    (m) => `Peristiwa tangkap tautan <${m[1]}> ganda di lingkup ini`],
  [/^Link catch event with link name <(.*)> missing in scope$/,
    (m) => `Peristiwa tangkap tautan <${m[1]}> tidak ada di lingkup ini`],
];

let language = "id";

/** The interface language of the page: only "id" translates; English keeps the originals. */
export function setLanguage(code) {
  language = code;
}

export function indonesian(template) {
  if (language !== "id") {
    return template;
  }
  if (Object.prototype.hasOwnProperty.call(TEXTS, template)) {
    return TEXTS[template];
  }
  for (const [pattern, make] of PATTERNS) {
    const found = pattern.exec(template);
    if (found) {
      return make(found);
    }
  }
  return template;
}

export function translate(template, replacements) {
  const values = replacements || {};
  return indonesian(template).replace(/{([^}]+)}/g, (whole, key) =>
    values[key] !== undefined ? values[key] : whole
  );
}

export default { translate: ["value", translate] };
