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
