// A report's notes (k6's exit code disagreeing, leftovers undone, merge warnings) reach every reader:
// the Markdown summary and the HTML, not only the JSON.
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

function report(notes?: string[]) {
  const ev = createEvaluation({}, [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<100' }]);
  ev.ingestSample({ metric: 'http_req_duration', time: 1_700_000_000_000, value: 5, tags: {} });
  const model = ev.finish();
  if (notes) model.notes = notes;
  return model;
}

describe('report notes', () => {
  it('are listed in the Markdown summary and the HTML, escaped', () => {
    const model = report(["merge: shards' timelines disagree by 4000 ms", 'k6 exited 99 <but> all held']);
    const md = renderMarkdown(model);
    expect(md).toContain('**Notes**');
    expect(md).toContain("- merge: shards' timelines disagree by 4000 ms");
    expect(md).toContain('k6 exited 99 &lt;but&gt; all held');
    const html = renderHtml(model);
    expect(html).toContain('<h2>Notes</h2>');
    expect(html).toContain('k6 exited 99 &lt;but&gt; all held');
  });

  it('leave no section when there are none', () => {
    expect(renderMarkdown(report())).not.toContain('**Notes**');
    expect(renderHtml(report())).not.toContain('<h2>Notes</h2>');
  });
});
