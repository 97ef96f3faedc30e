/** A one-line progress count on a terminal while many files are read, erased once reading is done. */
const PROGRESS_MIN_FILES = 200;

export function progressLine(stream: { write(s: string): unknown }, minFiles = PROGRESS_MIN_FILES): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    if (total <= minFiles) return;
    if (done >= total) {
      if (shown >= 0) stream.write('\r\x1b[K');
      return;
    }
    // Redraw once per percent: a write per file would cost more than the reading on a fast disk.
    const percent = Math.floor((done / total) * 100);
    if (percent === shown) return;
    shown = percent;
    stream.write(`\rpolcov: reading files ${done}/${total} (${percent}%)`);
  };
}
