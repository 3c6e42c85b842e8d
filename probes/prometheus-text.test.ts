// The exposition parser on the text format's and OpenMetrics' edge cases (the real exporter is in
// test/e2e/probes-http.test.ts), and the selection into gauges with counters as rates.
import { describe, expect, it } from 'vitest';
import { isCumulative, parsePrometheusText } from './prometheus-text.js';
import { selectReadings } from './prometheus.js';

describe('parsePrometheusText', () => {
  it('reads escapes in label values, +Inf buckets, NaN, timestamps and a trailing comma', () => {
    const text = [
      '# HELP http_request_duration_seconds Latency.',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.1",path="/a\\"b\\\\c\\nd"} 3',
      'http_request_duration_seconds_bucket{le="+Inf",path="/x",} 7 1700000000000',
      'http_request_duration_seconds_count{path="/x"} 7',
      '# TYPE temp gauge',
      'temp NaN',
      'temp{x="}#{"} -Inf',
      'untyped_thing 1.5e3',
      '',
    ].join('\n');
    const s = parsePrometheusText(text);
    expect(s[0]).toEqual({
      name: 'http_request_duration_seconds_bucket',
      family: 'http_request_duration_seconds',
      type: 'histogram',
      labels: { le: '0.1', path: '/a"b\\c\nd' },
      value: 3,
    });
    expect(s[1]).toMatchObject({ labels: { le: '+Inf', path: '/x' }, value: 7, timestampMs: 1700000000000 });
    expect(s[2]).toMatchObject({ family: 'http_request_duration_seconds', type: 'histogram', value: 7 });
    expect(Number.isNaN(s[3]!.value)).toBe(true);
    expect(s[4]).toMatchObject({ labels: { x: '}#{' }, value: -Infinity, type: 'gauge' });
    expect(s[5]).toMatchObject({ name: 'untyped_thing', type: 'untyped', value: 1500 });
    expect(s.map(isCumulative)).toEqual([true, true, true, false, false, false]);
  });

  it('reads OpenMetrics: _total of a counter family, exemplars, seconds timestamps, # EOF ends it', () => {
    const text = [
      '# TYPE tasks counter',
      '# UNIT tasks_seconds seconds',
      '# HELP tasks Tasks done.',
      'tasks_total{queue="ingestion"} 17.0 # {trace_id="abc def"} 1.0 1700000000.5',
      'tasks_created{queue="ingestion"} 1.7e9',
      'tasks_total{queue="ocr"} 4 1700000001.250',
      '# EOF',
      '',
    ].join('\n');
    const s = parsePrometheusText(text);
    expect(s.map((x) => [x.name, x.family, x.type, x.value])).toEqual([
      ['tasks_total', 'tasks', 'counter', 17],
      ['tasks_created', 'tasks', 'counter', 1.7e9],
      ['tasks_total', 'tasks', 'counter', 4],
    ]);
    expect(s[2]!.timestampMs).toBe(1700000001250);
    expect(s.map(isCumulative)).toEqual([true, false, true]);
    expect(() => parsePrometheusText('a 1\n# EOF\nb 2\n')).toThrow('line 3: text after # EOF');
  });

  it('refuses what is not the format, naming the line', () => {
    expect(() => parsePrometheusText('ok 1\nbad{a="x} 2\n')).toThrow('line 2');
    expect(() => parsePrometheusText('m{a=x} 1')).toThrow("label a's value must be quoted");
    expect(() => parsePrometheusText('m{a="\\q"} 1')).toThrow('unknown escape');
    expect(() => parsePrometheusText('m one')).toThrow('"one" is not a number');
    expect(() => parsePrometheusText('m 1 2 3')).toThrow('value [timestamp] expected');
    expect(() => parsePrometheusText('m{a="1",a="2"} 1')).toThrow('label a twice');
  });
});

describe('selectReadings', () => {
  const scrape = (n: number, ocr = 1) =>
    parsePrometheusText(
      `# TYPE tasks counter\ntasks_total{queue="ingestion",host="w1"} ${n}\ntasks_total{queue="ocr",host="w1"} ${ocr}\n# TYPE depth gauge\ndepth{queue="ingestion"} 12\n`,
    );

  it('a gauge as it is, a counter as its rate from the second scrape on, a reset counted from zero', () => {
    const prev = new Map();
    const select: Parameters<typeof selectReadings>[1] = [
      { metric: 'depth', where: {} },
      { metric: 'tasks_total', where: { queue: 'ingestion' }, tags: ['queue'] },
    ];
    expect(selectReadings(scrape(100), select, 10_000, prev)).toEqual([{ metric: 'depth', value: 12, tags: { queue: 'ingestion' } }]);
    expect(selectReadings(scrape(150), select, 12_000, prev)).toEqual([
      { metric: 'depth', value: 12, tags: { queue: 'ingestion' } },
      { metric: 'tasks_total_per_second', value: 25, tags: { queue: 'ingestion' } },
    ]);
    // The worker restarted: 150 -> 8 is 8 new tasks, not -142.
    expect(selectReadings(scrape(8), select, 14_000, prev)[1]).toEqual({ metric: 'tasks_total_per_second', value: 4, tags: { queue: 'ingestion' } });
  });

  it('a name or label filter that matches nothing fails the reading, naming what was there', () => {
    expect(() => selectReadings(scrape(1), [{ metric: 'tasks', where: {} }], 1, new Map())).toThrow('no sample named tasks in the scrape (similar: tasks_total)');
    expect(() => selectReadings(scrape(1), [{ metric: 'depth', where: { queue: 'ingest' } }], 1, new Map())).toThrow('depth: no sample with {"queue":"ingest"}');
  });
});
