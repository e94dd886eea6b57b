// The demo's two small charts, drawn on canvas (no charting library: a histogram and a bar
// list are a few dozen lines, and the page stays dependency-free).

function setup(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, width, height };
}

/** Histogram of `values` in `bins` bins, with the range and count labelled. */
export function drawHistogram(canvas, values, { bins = 61, color = '#3b6fd6', label = '' } = {}) {
  const { ctx, width, height } = setup(canvas);
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1; // symmetric around 0: errors are signed
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v + span) / (2 * span)) * bins))]++;
  const peak = Math.max(...counts);
  const top = 16, bottom = height - 18, barWidth = width / bins;
  ctx.fillStyle = color;
  counts.forEach((c, i) => {
    const h = peak ? ((bottom - top) * c) / peak : 0;
    ctx.fillRect(i * barWidth + 0.5, bottom - h, Math.max(1, barWidth - 1), h);
  });
  ctx.fillStyle = '#4a5366';
  ctx.textAlign = 'left';
  ctx.fillText(`-${span.toExponential(2)}`, 2, height - 4);
  ctx.textAlign = 'right';
  ctx.fillText(`+${span.toExponential(2)}`, width - 2, height - 4);
  ctx.textAlign = 'center';
  ctx.fillText('0', width / 2, height - 4);
  ctx.fillText(`${label}${values.length.toLocaleString('en')} weights`, width / 2, 11);
}

/** Horizontal bars for class probabilities; the highest is highlighted. */
export function drawProbabilities(canvas, probabilities, classes, { color = '#3b6fd6' } = {}) {
  const { ctx, width, height } = setup(canvas);
  const rowHeight = height / classes.length, labelWidth = 86, best = probabilities.indexOf(Math.max(...probabilities));
  classes.forEach((name, i) => {
    const y = i * rowHeight;
    ctx.fillStyle = i === best ? '#1d2330' : '#6a7388';
    ctx.textAlign = 'right';
    ctx.fillText(name, labelWidth - 6, y + rowHeight * 0.7);
    ctx.fillStyle = i === best ? color : '#c5cde0';
    ctx.fillRect(labelWidth, y + 2, (width - labelWidth - 44) * probabilities[i], rowHeight - 4);
    ctx.fillStyle = '#4a5366';
    ctx.textAlign = 'left';
    ctx.fillText(`${(probabilities[i] * 100).toFixed(1)}%`, width - 40, y + rowHeight * 0.7);
  });
}

/** A 28x28 grayscale image, scaled up. */
export function drawImage(canvas, pixels) {
  const { ctx, width, height } = setup(canvas);
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - pixels[i]; // dark on light, like the page
    image.data.set([v, v, v, 255], i * 4);
  }
  const off = new OffscreenCanvas(28, 28);
  off.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, width, height);
}
