// The model demo's input preprocessing fields: the mean and std the file records (or none),
// which the user may edit; what the page uses is what the fields say.
const $ = (selector) => document.querySelector(selector);

/** Shows the fields, filled with what the file records (`recorded`, or null), and where it came from. */
export function showPreprocessing(recorded, error) {
  $('#preprocessing').hidden = false;
  // float32 values, shown as the decimals they were written as (0.286, not 0.28600001335144043)
  const list = (v) => v.map((x) => Number(x.toPrecision(7))).join(', ');
  $('#norm-mean').value = recorded ? list(recorded.mean) : '';
  $('#norm-std').value = recorded ? list(recorded.std) : '';
  $('#norm-source').textContent = error ? `The file's preprocessing could not be read: ${error}` : recorded
    ? `From the file's __metadata__ '${recorded.key}'.`
    : "The file's __metadata__ records no preprocessing: enter the mean and std the model was trained with, if any.";
}

/** { mean, std } from the fields, null when both are blank; throws on anything else. */
export function preprocessingFromFields() {
  const numbers = (selector) => $(selector).value.split(/[\s,]+/).filter(Boolean).map(Number);
  const mean = numbers('#norm-mean'), std = numbers('#norm-std');
  if (mean.length === 0 && std.length === 0) return null;
  if (mean.length === 0 || mean.length !== std.length || [...mean, ...std].some((v) => !Number.isFinite(v)) || std.some((v) => v <= 0))
    throw new Error(`the input preprocessing needs as many means as stds, numbers with every std > 0; got mean '${$('#norm-mean').value}', std '${$('#norm-std').value}'`);
  return { mean, std };
}

/** The preprocessing as the cards print it. */
export function preprocessingText(n) {
  if (!n) return 'inputs: pixel / 255, no normalization';
  const list = (v) => (v.length === 1 ? String(v[0]) : `[${v.join(', ')}]`);
  return `inputs: (pixel / 255 − ${list(n.mean)}) / ${list(n.std)}`;
}
