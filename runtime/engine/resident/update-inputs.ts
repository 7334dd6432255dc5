/**
 * Names shared by the resident graphs and the code that feeds them: per-layer state inputs and
 * their next values, and the step's scalars. One place, so a graph and its feeder cannot disagree.
 */
export const thetaIn = (layer: string): string => `${layer}::theta`;
export const zIn = (layer: string): string => `${layer}::z`;
export const mIn = (layer: string): string => `${layer}::m`;
export const hIn = (layer: string): string => `${layer}::h`;
export const thetaOut = (layer: string): string => `${layer}::theta_next`;
export const mOut = (layer: string): string => `${layer}::m_next`;
export const hOut = (layer: string): string => `${layer}::h_next`;
/** Σ δ² of the layer's update (a scalar: per-layer statistics without downloading θ). */
export const updateSqOut = (layer: string): string => `${layer}::update_sq`;
export const LAMBDA_IN = 'lambda';
export const LAMBDA_OUT = 'lambda_next';

// Block-coordinate ("layerwise") HELENE: per-layer vectors with one value per block, shaped [blocks, 1].
/** z mask of the step: 1 on the chosen block, 0 elsewhere (the z graph multiplies z by it). */
export const zMaskIn = (layer: string): string => `${layer}::z_mask`;
/** Refresh graph: the chosen block's mean of h' in this layer (0 where no block of the layer was chosen). */
export const blockMeanOut = (layer: string): string => `${layer}::block_mean`;
/** Update graph: per-block lr (0 for a block never chosen: no step), h scale γ/(correction·H̄), floor λ. */
export const blockLrIn = (layer: string): string => `${layer}::block_lr`;
export const blockScaleIn = (layer: string): string => `${layer}::block_scale`;
export const blockFloorIn = (layer: string): string => `${layer}::block_floor`;
