/**
 * The node's CPU topology as Nomad's client fingerprints it, and the total
 * compute (MHz) the TaskStats CPU figures are scaled by.
 *
 * @module
 */

/** One CPU core of the node (speeds in MHz; 0: unknown). */
export interface TopologyCore {
  disable: boolean;
  maxSpeed: number;
  baseSpeed: number;
  guessSpeed: number;
}

/** The node's topology: `override_total_compute` (0: none) and its cores. */
export interface NodeTopology {
  overrideTotalCompute: number;
  cores: TopologyCore[];
}

/**
 * Total CPU compute of the node in MHz: the operator's override, else the
 * sum of the enabled cores' best known speed (max, base, guessed).
 */
export function totalComputeMhz(topology: NodeTopology | undefined): number {
  if (!topology) return 0;
  if (topology.overrideTotalCompute > 0) return topology.overrideTotalCompute;
  let sum = 0;
  for (const core of topology.cores) {
    if (!core.disable) sum += core.maxSpeed || core.baseSpeed || core.guessSpeed || 0;
  }
  return sum;
}
