package io.hadron.quantization.onnx;

import io.hadron.core.HadronException;
import io.hadron.quantization.onnx.proto.AttributeProto;
import io.hadron.quantization.onnx.proto.GraphProto;
import io.hadron.quantization.onnx.proto.NodeProto;
import io.hadron.quantization.onnx.proto.TensorProto;
import io.hadron.quantization.onnx.proto.ValueInfoProto;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A mutable view of one ONNX graph for rewriting: find nodes, follow values to their producer and
 * consumers, replace a node or a subgraph with new nodes, add and remove initializers.
 *
 * <p>Nodes are immutable {@link NodeProto}s, held in graph order and compared by identity; a
 * rewrite swaps whole nodes. {@link #toProto()} puts the nodes back in topological order (keeping
 * the original order wherever the dependencies allow, so an untouched graph comes back
 * identical) and checks that the graph is still well formed: every input a node reads is a graph
 * input, an initializer or another node's output, every value has one producer, every graph output
 * is produced, and nothing forms a cycle. A transform that leaves a dangling value therefore fails
 * there, naming the value, instead of as an engine error at load time.
 *
 * <p>Values that nodes inside subgraphs (the bodies of If, Loop and Scan) read from this graph count
 * as consumed by the node that owns the subgraph, so such values are never considered unused.
 * Subgraph bodies themselves are not rewritten.
 *
 * <p>Not thread-safe: confine an instance to one thread.
 */
public final class OnnxGraph {
  // Everything but nodes, initializers and value_info; replaced whole when inputs or outputs change.
  private GraphProto rest;
  private final List<NodeProto> nodes;
  private final LinkedHashMap<String, TensorProto> initializers = new LinkedHashMap<>();
  private final LinkedHashMap<String, ValueInfoProto> valueInfo = new LinkedHashMap<>();
  private final Set<String> takenNames = new HashSet<>();
  // Indexes rebuilt lazily after a change; null while stale.
  private Map<String, NodeProto> producers;
  private Map<String, List<NodeProto>> consumers;

  private OnnxGraph(GraphProto graph) {
    this.rest = graph.toBuilder().clearNode().clearInitializer().clearValueInfo().build();
    this.nodes = new ArrayList<>(graph.getNodeList());
    for (TensorProto t : graph.getInitializerList()) {
      if (initializers.putIfAbsent(t.getName(), t) != null) {
        throw new HadronException.InvalidArgument(
            "graph '" + graph.getName() + "' has two initializers named '" + t.getName() + "'");
      }
    }
    graph.getValueInfoList().forEach(v -> valueInfo.put(v.getName(), v));
    graph.getInputList().forEach(v -> takenNames.add(v.getName()));
    graph.getOutputList().forEach(v -> takenNames.add(v.getName()));
    takenNames.addAll(initializers.keySet());
    for (NodeProto n : nodes) {
      takenNames.add(n.getName());
      takenNames.addAll(n.getOutputList());
      takenNames.addAll(n.getInputList());
    }
  }

  /** A rewritable copy of {@code graph}; the message itself is not changed. */
  public static OnnxGraph of(GraphProto graph) {
    return new OnnxGraph(graph);
  }

  /** The graph's name. */
  public String name() {
    return rest.getName();
  }

  /** The nodes in their current order (a snapshot). */
  public List<NodeProto> nodes() {
    return List.copyOf(nodes);
  }

  /** The nodes of the default ONNX domain with this op type, in graph order. */
  public List<NodeProto> nodes(String opType) {
    return findNodes(n -> isDefaultDomain(n) && n.getOpType().equals(opType));
  }

  /** The nodes matching {@code filter}, in graph order. */
  public List<NodeProto> findNodes(Predicate<NodeProto> filter) {
    return nodes.stream().filter(filter).toList();
  }

  /** The node whose name is {@code name}, if any. */
  public Optional<NodeProto> node(String name) {
    return nodes.stream().filter(n -> n.getName().equals(name)).findFirst();
  }

  /** The node that produces {@code value}; empty for graph inputs, initializers and unknowns. */
  public Optional<NodeProto> producer(String value) {
    index();
    return Optional.ofNullable(producers.get(value));
  }

  /** The nodes that read {@code value}, each once, in graph order. */
  public List<NodeProto> consumers(String value) {
    index();
    return consumers.getOrDefault(value, List.of());
  }

  /** The declared graph inputs, without the initializers older IR versions also list there. */
  public List<ValueInfoProto> inputs() {
    return rest.getInputList().stream().filter(v -> !initializers.containsKey(v.getName())).toList();
  }

  /** The declared graph outputs. */
  public List<ValueInfoProto> outputs() {
    return rest.getOutputList();
  }

  public boolean isGraphOutput(String value) {
    return rest.getOutputList().stream().anyMatch(v -> v.getName().equals(value));
  }

  public boolean isGraphInput(String value) {
    return inputs().stream().anyMatch(v -> v.getName().equals(value));
  }

  /** Replaces the declared graph input of the same name (to change its type, say). */
  public void setInput(ValueInfoProto input) {
    setDeclared(input, true);
  }

  /** Replaces the declared graph output of the same name. */
  public void setOutput(ValueInfoProto output) {
    setDeclared(output, false);
  }

  /** The initializers in their current order (a snapshot). */
  public List<TensorProto> initializers() {
    return List.copyOf(initializers.values());
  }

  public Optional<TensorProto> initializer(String name) {
    return Optional.ofNullable(initializers.get(name));
  }

  /**
   * The constant value of {@code value}: an initializer that is not also a graph input (a graph
   * input of the same name would let a caller override it), or the tensor of the Constant node
   * producing it.
   */
  public Optional<TensorProto> constant(String value) {
    TensorProto init = initializers.get(value);
    if (init != null) {
      return isGraphInput(value) ? Optional.empty() : Optional.of(init);
    }
    return producer(value)
        .filter(n -> isDefaultDomain(n) && n.getOpType().equals("Constant"))
        .flatMap(
            n ->
                n.getAttributeList().stream()
                    .filter(a -> a.getName().equals("value") && a.hasT())
                    .map(a -> a.getT().toBuilder().setName(value).build())
                    .findFirst());
  }

  /** Adds an initializer under a name no other value uses. */
  public void addInitializer(TensorProto tensor) {
    claim(tensor.getName(), "initializer");
    initializers.put(tensor.getName(), tensor);
  }

  /** Replaces the initializer of the same name. */
  public void setInitializer(TensorProto tensor) {
    if (!initializers.containsKey(tensor.getName())) {
      throw new IllegalArgumentException("no initializer named '" + tensor.getName() + "'");
    }
    initializers.put(tensor.getName(), tensor);
  }

  public void removeInitializer(String name) {
    if (initializers.remove(name) == null) {
      throw new IllegalArgumentException("no initializer named '" + name + "'");
    }
  }

  /** Appends a node; {@link #toProto()} moves it after the producers of its inputs. */
  public void addNode(NodeProto node) {
    requireNewOutputs(node, Set.of());
    claimNodeNames(node);
    nodes.add(node);
    stale();
  }

  /** Removes a node (by identity). */
  public void removeNode(NodeProto node) {
    nodes.remove(indexOf(node));
    stale();
  }

  /** Replaces one node by others, placed where it stood. */
  public void replaceNode(NodeProto old, List<NodeProto> replacements) {
    replace(List.of(old), replacements);
  }

  /**
   * Replaces a subgraph: removes {@code old} and inserts {@code replacements} where the first of
   * them stood. Every output of the removed nodes that something outside them still reads, or that
   * is a graph output, must be produced by the replacements.
   */
  public void replace(Collection<NodeProto> old, List<NodeProto> replacements) {
    if (old.isEmpty()) {
      throw new IllegalArgumentException("nothing to replace");
    }
    Set<NodeProto> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    removed.addAll(old);
    Set<String> oldOutputs = new HashSet<>();
    int at = Integer.MAX_VALUE;
    for (NodeProto n : old) {
      at = Math.min(at, indexOf(n));
      oldOutputs.addAll(n.getOutputList());
    }
    Set<String> newOutputs = new HashSet<>();
    replacements.forEach(n -> newOutputs.addAll(n.getOutputList()));
    for (String out : oldOutputs) {
      if (out.isEmpty() || newOutputs.contains(out)) {
        continue;
      }
      boolean readOutside = consumers(out).stream().anyMatch(c -> !removed.contains(c));
      if (readOutside || isGraphOutput(out)) {
        throw new IllegalArgumentException(
            "replacement drops value '" + out + "', which is still "
                + (readOutside ? "read by other nodes" : "a graph output"));
      }
    }
    for (NodeProto n : replacements) {
      requireNewOutputs(n, oldOutputs);
    }
    nodes.removeIf(removed::contains);
    at = Math.min(at, nodes.size());
    nodes.addAll(at, replacements);
    replacements.forEach(this::claimNodeNames);
    stale();
  }

  /**
   * Makes the nodes matching {@code which} read {@code newValue} wherever they read {@code
   * oldValue}; returns how many nodes changed. Subgraph bodies are not rewritten.
   */
  public int rewire(String oldValue, String newValue, Predicate<NodeProto> which) {
    int changed = 0;
    for (int i = 0; i < nodes.size(); i++) {
      NodeProto n = nodes.get(i);
      if (!n.getInputList().contains(oldValue) || !which.test(n)) {
        continue;
      }
      NodeProto.Builder b = n.toBuilder();
      for (int k = 0; k < b.getInputCount(); k++) {
        if (b.getInput(k).equals(oldValue)) {
          b.setInput(k, newValue);
        }
      }
      nodes.set(i, b.build());
      changed++;
    }
    if (changed > 0) {
      stale();
    }
    return changed;
  }

  /**
   * A value, node or initializer name that nothing in this graph uses yet, made from {@code base};
   * the name is reserved, so two calls never return the same one.
   */
  public String freshName(String base) {
    String name = base;
    for (int i = 1; takenNames.contains(name); i++) {
      name = base + "_" + i;
    }
    takenNames.add(name);
    return name;
  }

  /** Removes a {@code value_info} entry, e.g. for a value whose type a transform changed. */
  public void removeValueInfo(String value) {
    valueInfo.remove(value);
  }

  /**
   * Removes nodes none of whose outputs is read or is a graph output, then initializers nothing
   * reads, repeating until nothing changes; returns how many nodes and initializers went.
   */
  public int removeUnused() {
    int removedCount = 0;
    boolean changed = true;
    while (changed) {
      changed = false;
      index();
      for (int i = nodes.size() - 1; i >= 0; i--) {
        NodeProto n = nodes.get(i);
        boolean used =
            n.getOutputList().stream()
                .anyMatch(o -> !o.isEmpty() && (consumers.containsKey(o) || isGraphOutput(o)));
        if (!used) {
          nodes.remove(i);
          removedCount++;
          changed = true;
        }
      }
      stale();
    }
    index();
    var it = initializers.keySet().iterator();
    while (it.hasNext()) {
      String name = it.next();
      if (!consumers.containsKey(name) && !isGraphOutput(name) && !isGraphInput(name)) {
        it.remove();
        removedCount++;
      }
    }
    return removedCount;
  }

  /**
   * The graph as a message: nodes in topological order, initializers, and the {@code value_info}
   * entries of values that still exist.
   *
   * @throws HadronException.InvalidArgument naming the first dangling input, unproduced output or
   *     cycle found
   */
  public GraphProto toProto() {
    List<NodeProto> sorted = topologicalOrder();
    Set<String> defined = new HashSet<>(initializers.keySet());
    rest.getInputList().forEach(v -> defined.add(v.getName()));
    sorted.forEach(n -> defined.addAll(n.getOutputList()));
    for (ValueInfoProto out : rest.getOutputList()) {
      if (!defined.contains(out.getName())) {
        throw new HadronException.InvalidArgument(
            "graph '" + name() + "': output '" + out.getName() + "' is produced by no node");
      }
    }
    GraphProto.Builder b = rest.toBuilder().addAllNode(sorted);
    b.addAllInitializer(initializers.values());
    valueInfo.values().stream().filter(v -> defined.contains(v.getName())).forEach(b::addValueInfo);
    return b.build();
  }

  /** True for nodes of the default ONNX domain ("" or "ai.onnx"). */
  public static boolean isDefaultDomain(NodeProto node) {
    return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
  }

  /** The values a node reads: its inputs and, for control flow, what its subgraphs read. */
  static Set<String> reads(NodeProto node) {
    Set<String> out = new HashSet<>();
    for (String in : node.getInputList()) {
      if (!in.isEmpty()) {
        out.add(in);
      }
    }
    for (AttributeProto a : node.getAttributeList()) {
      if (a.hasG()) {
        subgraphReads(a.getG(), out);
      }
      a.getGraphsList().forEach(g -> subgraphReads(g, out));
    }
    return out;
  }

  /** True if the node owns a subgraph (If, Loop, Scan and the like). */
  public static boolean hasSubgraph(NodeProto node) {
    return node.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
  }

  private static void subgraphReads(GraphProto g, Set<String> out) {
    // Over-approximates: also names the body defines itself. Harmless, since such names can only
    // shadow outer values, and only makes an outer value look used.
    for (NodeProto n : g.getNodeList()) {
      out.addAll(reads(n));
    }
  }

  private List<NodeProto> topologicalOrder() {
    Set<String> available = new HashSet<>(initializers.keySet());
    rest.getInputList().forEach(v -> available.add(v.getName()));
    Map<String, Integer> producerIndex = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String out : nodes.get(i).getOutputList()) {
        if (!out.isEmpty()) {
          producerIndex.put(out, i);
        }
      }
    }
    int[] pending = new int[nodes.size()];
    List<List<Integer>> dependents = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      dependents.add(new ArrayList<>());
    }
    for (int i = 0; i < nodes.size(); i++) {
      NodeProto n = nodes.get(i);
      for (String in : reads(n)) {
        Integer p = producerIndex.get(in);
        if (p != null && p != i) {
          pending[i]++;
          dependents.get(p).add(i);
        } else if (p == null && !available.contains(in) && n.getInputList().contains(in)) {
          throw new HadronException.InvalidArgument(
              "graph '" + name() + "': node '" + n.getName() + "' (" + n.getOpType()
                  + ") reads '" + in + "', which no node, input or initializer provides");
        }
      }
    }
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    List<NodeProto> sorted = new ArrayList<>(nodes.size());
    while (!ready.isEmpty()) {
      int i = ready.poll();
      sorted.add(nodes.get(i));
      for (int d : dependents.get(i)) {
        if (--pending[d] == 0) {
          ready.add(d);
        }
      }
    }
    if (sorted.size() != nodes.size()) {
      for (int i = 0; i < nodes.size(); i++) {
        if (pending[i] > 0) {
          throw new HadronException.InvalidArgument(
              "graph '" + name() + "': node '" + nodes.get(i).getName() + "' is part of a cycle");
        }
      }
    }
    return sorted;
  }

  private void setDeclared(ValueInfoProto value, boolean input) {
    List<ValueInfoProto> list = input ? rest.getInputList() : rest.getOutputList();
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).getName().equals(value.getName())) {
        GraphProto.Builder b = rest.toBuilder();
        if (input) {
          b.setInput(i, value);
        } else {
          b.setOutput(i, value);
        }
        rest = b.build();
        return;
      }
    }
    throw new IllegalArgumentException(
        "no graph " + (input ? "input" : "output") + " named '" + value.getName() + "'");
  }

  private int indexOf(NodeProto node) {
    Objects.requireNonNull(node, "node");
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) == node) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "node '" + node.getName() + "' (" + node.getOpType() + ") is not in graph '" + name()
            + "' (nodes are matched by identity; use the instances this graph returned)");
  }

  private void requireNewOutputs(NodeProto node, Set<String> beingReplaced) {
    if (node.getOutputCount() == 0) {
      throw new IllegalArgumentException(
          "node '" + node.getName() + "' (" + node.getOpType() + ") has no outputs");
    }
    index();
    for (String out : node.getOutputList()) {
      if (out.isEmpty() || beingReplaced.contains(out)) {
        continue;
      }
      if (producers.containsKey(out) || initializers.containsKey(out) || isGraphInput(out)) {
        throw new IllegalArgumentException(
            "node '" + node.getName() + "' would produce '" + out + "', which already has a value");
      }
    }
  }

  private void claimNodeNames(NodeProto node) {
    takenNames.add(node.getName());
    takenNames.addAll(node.getOutputList());
  }

  private void claim(String name, String what) {
    index();
    if (initializers.containsKey(name) || producers.containsKey(name) || isGraphInput(name)) {
      throw new IllegalArgumentException(what + " name '" + name + "' is already a value");
    }
    takenNames.add(name);
  }

  private void stale() {
    producers = null;
    consumers = null;
  }

  private void index() {
    if (producers != null) {
      return;
    }
    Map<String, NodeProto> p = new HashMap<>();
    Map<String, List<NodeProto>> c = new LinkedHashMap<>();
    for (NodeProto n : nodes) {
      for (String out : n.getOutputList()) {
        if (!out.isEmpty()) {
          p.put(out, n);
        }
      }
      for (String in : reads(n)) {
        c.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
    producers = p;
    consumers = c;
  }
}
