// Which side of its node a label goes (pure, so it is tested without WebGL).

/** Pixels between a node's disc and its label, as sigma draws it. */
export const LABEL_GAP = 3;

/** Whether a label drawn on the right of the node would leave the canvas. */
export function overflowsRight(x: number, nodeSize: number, textWidth: number, canvasWidth: number): boolean {
  const rightEnd = x + nodeSize + LABEL_GAP + textWidth;
  const leftStart = x - nodeSize - LABEL_GAP - textWidth;
  return rightEnd > canvasWidth - 2 && leftStart >= 2;
}
