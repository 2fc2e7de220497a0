package io.hadron.loadtests.bench;

import io.hadron.loadtests.load.ClosedLoopResult;
import io.hadron.loadtests.load.Latencies;
import io.hadron.loadtests.load.OpenLoopResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run as PNG plots: throughput against concurrency with the bare engine's ceiling drawn in, and
 * latency CDFs, per model; the overload's answered and rejected latencies. Drawn headless.
 *
 * <p>Stateless.
 */
final class Plots {
  /** File name and caption of every plot, in report order. */
  static final List<String[]> FILES = List.of(
      new String[] {"minilm-throughput.png", "MiniLM: Hadron throughput by concurrency, bare ONNX Runtime ceiling"},
      new String[] {"minilm-latency-cdf.png", "MiniLM binary: latency CDF by concurrency"},
      new String[] {"simple-throughput.png", "simple: Hadron throughput by concurrency, bare ONNX Runtime ceiling"},
      new String[] {"simple-latency-cdf.png", "simple: latency CDF by concurrency (solid binary, dashed JSON)"},
      new String[] {"overload-latency-cdf.png", "Overload: latency CDF of answered and rejected requests"});
  private static final int WIDTH = 960;
  private static final int HEIGHT = 560;
  private static final int CDF_POINTS = 400;
  private static final BasicStroke DASHED =
      new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
  private static final BasicStroke SOLID = new BasicStroke(2f);
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
    new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

  private Plots() {}

  static void write(BenchRun run, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Series> miniLm = run.series().stream().filter(s -> s.bareKey().equals(LoadTestRepository.MINILM)).toList();
    List<Series> simple = run.series().stream().filter(s -> s.bareKey().equals(LoadTestRepository.SIMPLE)).toList();
    save(throughput("MiniLM (sequence " + run.options().sequence() + "): throughput", miniLm,
        run.bare().get(LoadTestRepository.MINILM), false), dir, 0);
    save(cdf("MiniLM binary: latency CDF", List.of(miniLm.getFirst())), dir, 1);
    save(throughput("simple: throughput", simple, run.bare().get(LoadTestRepository.SIMPLE), true), dir, 2);
    save(cdf("simple: latency CDF (solid binary, dashed JSON)", simple), dir, 3);
    save(overload(run), dir, 4);
  }

  private static void save(XYChart chart, Path dir, int index) throws IOException {
    BitmapEncoder.saveBitmap(chart, dir.resolve(FILES.get(index)[0]).toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE)
        .setLegendPosition(Styler.LegendPosition.OutsideE).setSeriesColors(PALETTE).setMarkerSize(7);
    c.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    return c;
  }

  /** Requests per second by clients for each series, and the bare engine's best and batch-1 rates. */
  static XYChart throughput(String title, List<Series> series, BareSeries bare, boolean logY) {
    XYChart c = chart(title, "concurrent clients", "requests (samples) per second");
    c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(logY).setXAxisDecimalPattern("#")
        .setYAxisDecimalPattern("#,##0");
    double minX = Double.MAX_VALUE;
    double maxX = 0;
    int color = 0;
    for (Series s : series) {
      Map<Integer, ClosedLoopResult> results = s.results();
      double[] x = new double[results.size()];
      double[] y = new double[results.size()];
      int i = 0;
      for (Map.Entry<Integer, ClosedLoopResult> e : results.entrySet()) {
        x[i] = e.getKey();
        y[i++] = e.getValue().throughput();
      }
      minX = Math.min(minX, x[0]);
      maxX = Math.max(maxX, x[x.length - 1]);
      XYSeries xy = c.addSeries("Hadron " + s.label(), x, y);
      xy.setLineColor(PALETTE[color]).setLineStyle(SOLID);
      xy.setMarkerColor(PALETTE[color++]);
      if (x.length == 1) {
        xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      }
    }
    if (maxX <= minX) {
      maxX = minX * 2;
    }
    BareResult best = bare.best();
    level(c, String.format(Locale.ROOT, "bare ORT, best (batch %d)", best.batch()), minX, maxX,
        best.samplesPerSecond(), Color.BLACK, DASHED);
    BareResult one = bare.results().get(1);
    if (one != null && one != best) {
      level(c, "bare ORT, batch 1", minX, maxX, one.samplesPerSecond(), Color.GRAY, DASHED);
    }
    if (!logY) {
      c.getStyler().setYAxisMin(0.0);
    }
    return c;
  }

  private static void level(XYChart c, String name, double x0, double x1, double y, Color color,
      BasicStroke stroke) {
    XYSeries s = c.addSeries(name, new double[] {x0, x1}, new double[] {y, y});
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color).setLineStyle(stroke);
  }

  /**
   * One CDF per (series, clients): the first series solid, the others dashed and in colours of their
   * own (a dense curve hides its dashes).
   */
  static XYChart cdf(String title, List<Series> series) {
    XYChart c = chart(title, "latency, ms (log scale)", "fraction of requests at or below");
    c.getStyler().setXAxisLogarithmic(true).setYAxisMin(0.0).setYAxisMax(1.0);
    int color = 0;
    for (int si = 0; si < series.size(); si++) {
      Series s = series.get(si);
      for (Map.Entry<Integer, ClosedLoopResult> e : s.results().entrySet()) {
        Latencies l = e.getValue().latencies();
        if (l.count() > 0) {
          curve(c, s.label() + ", " + clients(e.getKey()), l, PALETTE[color % PALETTE.length],
              si == 0 ? SOLID : DASHED);
        }
        color++;
      }
    }
    return c;
  }

  static XYChart overload(BenchRun run) {
    OpenLoopResult ov = run.overload();
    XYChart c = chart(String.format(Locale.ROOT, "Overload at %.1fx capacity: latency CDF",
        run.options().overloadFactor()), "latency from scheduled send, ms (log scale)",
        "fraction of requests at or below");
    c.getStyler().setXAxisLogarithmic(true).setYAxisMin(0.0).setYAxisMax(1.0);
    if (ov.answered().count() > 0) {
      curve(c, "answered (200)", ov.answered(), PALETTE[0], SOLID);
    }
    if (ov.rejected().count() > 0) {
      curve(c, "rejected (503)", ov.rejected(), PALETTE[1], SOLID);
    }
    if (ov.answered().count() == 0 && ov.rejected().count() == 0) {
      // XChart needs one series to draw axes.
      level(c, "no answers", 1, 10, 0, Color.GRAY, DASHED);
    }
    return c;
  }

  private static String clients(int n) {
    return n == 1 ? "1 client" : n + " clients";
  }

  private static void curve(XYChart c, String name, Latencies l, Color color, BasicStroke stroke) {
    double[][] xy = l.cdf(CDF_POINTS);
    XYSeries s = c.addSeries(name, xy[0], xy[1]);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color).setLineStyle(stroke);
  }
}
