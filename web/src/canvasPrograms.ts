// The WebGL programs the canvas draws with, and when they draw less. Without
// a GPU (SwiftShader) every pass over every node or edge costs, so:
// - while the camera moves, at any size, the glyphs, arrowheads and labels
//   are not drawn, nor, while the user drags or zooms, is anything drawn into the
//   picking buffers (which item is under the pointer: nobody clicks while
//   panning); the canvas redraws in full once the camera is still
//   (redrawWhenStill);
// - on a lean canvas (more than LEAN_EDGES edges) ordinary edges are 1-pixel
//   lines without arrowheads, no edge is drawn into the picking buffer (a
//   click beside an edge still picks it: canvas.ts, edgeNear), glyphs and
//   rings are not drawn, and edges are not drawn while the camera moves. The
//   highlighted path, the selection and the edges at the hovered or focused
//   node keep their arrows (the "above" type, drawn last), and hovered and
//   selected nodes keep their glyph and rings (sigma draws them again on
//   its hover layer, where nothing is skipped).
import { createNodeBorderProgram } from "@sigma/node-border";
import { createNodeImageProgram } from "@sigma/node-image";
import type Sigma from "sigma";
import {
  createEdgeCompoundProgram,
  createNodeCompoundProgram,
  EdgeArrowHeadProgram,
  EdgeClampedProgram,
  EdgeLineProgram,
  NodeCircleProgram,
  type EdgeProgramType,
  type NodeProgramType,
  type ProgramDefinition,
} from "sigma/rendering";
import type { NodeDisplayData, RenderParams } from "sigma/types";
import type { EdgeAttrs, NodeAttrs } from "./graphModel";
import { PIN_RING } from "./canvasLook";

/** With more edges than this the canvas is lean (see above). */
export const LEAN_EDGES = 10_000;
/** Glyphs are drawn on nodes at least this big on screen (radius, px): smaller ones would be a blur. */
const MIN_GLYPH_RADIUS = 6;
/** How often to look whether a moving camera has stopped. */
const STILL_POLL_MS = 60;

type AnySigma = Sigma<NodeAttrs, EdgeAttrs>;

/** Whether the canvas draws lean (see above). */
export function isLean(edges: number): boolean {
  return edges > LEAN_EDGES;
}

/** Whether sigma is moving the camera (its own test for hideEdgesOnMove). */
export function moving(sigma: AnySigma): boolean {
  return sigma.getCamera().isAnimated() || steering(sigma);
}

/**
 * Whether the user is moving the camera (dragging the stage, turning the
 * wheel): nobody clicks meanwhile, so nothing need be pickable. A camera
 * animation (fitting the view) is not enough: a click may land during one.
 */
function steering(sigma: AnySigma): boolean {
  const mouse = sigma.getMouseCaptor();
  return mouse.isMoving || mouse.draggedEvents > 0 || mouse.currentWheelDirection !== 0;
}

function lean(sigma: AnySigma): boolean {
  return isLean(sigma.getGraph().size);
}

/**
 * Redraws once the camera is still after a render made while it moved, so
 * the picking buffers, glyphs and labels skipped meanwhile come back (a
 * render only: nothing is re-reduced). Returns the function that stops this.
 */
export function redrawWhenStill(sigma: AnySigma): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    timer = undefined;
    if (moving(sigma)) timer = setTimeout(check, STILL_POLL_MS);
    else sigma.scheduleRender();
  };
  const afterRender = () => {
    if (timer === undefined && moving(sigma)) timer = setTimeout(check, STILL_POLL_MS);
  };
  sigma.on("afterRender", afterRender);
  return () => {
    sigma.off("afterRender", afterRender);
    clearTimeout(timer);
  };
}

interface Renders {
  renderer: AnySigma;
  pickProgram: unknown;
  render(params: RenderParams): void;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's base class takes any constructor arguments
type Ctor<T> = abstract new (...args: any[]) => T;

/** A sigma program class as what quiet() needs of it (sigma's program types do not declare `renderer`). */
const base = (c: unknown) => c as Ctor<Renders>;

/**
 * `Base` that skips its picking pass when `skipPick` says so, and all of
 * its drawing when `skipAll` does. The picking buffer is cleared at every
 * render, so a skipped pass leaves nothing pickable behind.
 */
function quiet<T extends Ctor<Renders>>(Base: T, skipPick: (s: AnySigma) => boolean, skipAll: (s: AnySigma) => boolean = () => false) {
  abstract class Quiet extends Base {
    override render(params: RenderParams): void {
      if (skipAll(this.renderer)) return;
      if (this.pickProgram === null || !skipPick(this.renderer)) {
        super.render(params);
        return;
      }
      const pick = this.pickProgram;
      this.pickProgram = null;
      try {
        super.render(params);
      } finally {
        this.pickProgram = pick;
      }
    }
  }
  return Quiet;
}

/** Edges go into the picking buffer only when edge events are on and the user is not moving the camera. */
const skipEdgePick = (s: AnySigma) => !s.getSetting("enableEdgeEvents") || steering(s);
const leanMoving = (s: AnySigma) => lean(s) && moving(s);

function edgeProgram(Base: Ctor<Renders>, skipAll = leanMoving): EdgeProgramType<NodeAttrs, EdgeAttrs> {
  return quiet(Base, skipEdgePick, skipAll) as unknown as EdgeProgramType<NodeAttrs, EdgeAttrs>;
}

/**
 * The edge programs: arrows (sigma's own, as two passes that skip picking
 * and lean moves; the heads are not drawn while the camera moves, at any
 * size: about a tenth more frames while panning 1 k nodes), "hair" 1-pixel lines for ordinary edges of a lean canvas,
 * and "above", arrows drawn after the hair lines for the edges that must
 * stand out on a lean canvas. sigma draws programs in the order of their
 * keys after its defaults (arrow, line), so "above" comes last.
 */
export function edgePrograms(): Record<string, EdgeProgramType<NodeAttrs, EdgeAttrs>> {
  const arrow = () =>
    createEdgeCompoundProgram<NodeAttrs, EdgeAttrs>([edgeProgram(base(EdgeClampedProgram)), edgeProgram(base(EdgeArrowHeadProgram), moving)]);
  return { arrow: arrow(), hair: edgeProgram(base(EdgeLineProgram)), above: arrow() };
}

/** The edge type for an edge at `zIndex` (reduceEdge: 2 on a path, 3 selected or at the focus). */
export function edgeType(leanCanvas: boolean, zIndex: number): string {
  if (!leanCanvas) return "arrow";
  return zIndex >= 2 ? "above" : "hair";
}

// One program class for all canvases: its texture of glyphs is shared, so a
// second canvas (or re-mounting) does not load them again. Created on first
// use, since building it needs WebGL.
let iconProgram: NodeProgramType<NodeAttrs, EdgeAttrs> | undefined;

type GlyphData = NodeDisplayData & { glyphScale?: number };
type ProgramInternals = {
  getDefinition: (this: unknown) => ProgramDefinition;
  processVisibleItem: (this: unknown, nodeIndex: number, offset: number, data: GlyphData) => void;
};

/** A vertex shader with `statement` added at the end of main(). */
function patchVertex(def: ProgramDefinition, statement: string): ProgramDefinition {
  return { ...def, VERTEX_SHADER_SOURCE: def.VERTEX_SHADER_SOURCE.replace(/\}\s*$/, `  ${statement}\n}`) };
}

/** Moves a node's triangle out of the clip volume: nothing is rasterised. */
const SKIP = "gl_Position = vec4(0.0, 0.0, 2.0, 1.0);";

/**
 * The node program. sigma draws a compound program pass by pass, each pass
 * over all nodes, so what a pass draws lands on every node of the passes
 * before it; hence:
 * 1. discs (sigma's circle program), which also answer picking (which node is
 *    under the pointer; not drawn there while the user moves the camera);
 * 2. glyphs: each node's disc again, in its colour, with its glyph (white in
 *    the SVG), shrunk inside its rings (glyphScale). Redrawing the disc keeps
 *    discs in order where nodes overlap; a bare glyph overlay put the glyphs
 *    of nodes below over the discs of nodes above. Skipped in the vertex
 *    shader for nodes under MIN_GLYPH_RADIUS on screen (a blur, and texture
 *    lookups for nothing), and not drawn while the camera moves or on a lean
 *    canvas: sampling the texture is most of the cost of a node without a GPU;
 * 3. rings of pinned and badged nodes — pin ring, two badge rings, a gap in
 *    the background colour so a red ring shows on a red disc — last, so a
 *    badge stays visible even under a neighbour. Skipped in the vertex
 *    shader for nodes without any (their pin and outer ring colours are
 *    NONE), and not drawn on a lean canvas.
 * Passes 2 and 3 stay out of the picking buffer. sigma builds the program
 * twice: for all nodes (with a picking buffer) and for its hover layer
 * (hovered and highlighted nodes, without one), where nothing is skipped.
 */
export function nodeProgram(): NodeProgramType<NodeAttrs, EdgeAttrs> {
  if (iconProgram) return iconProgram;
  const Glyphs = createNodeImageProgram<NodeAttrs, EdgeAttrs>({
    drawingMode: "background",
    keepWithinCircle: true,
    padding: 0.22,
    colorAttribute: "color",
    imageAttribute: "image",
    correctCentering: false,
    size: { mode: "force", value: 96 },
    // 18 glyphs of 96 px fit twice over; the default (4096²) costs 64 MB.
    maxTextureSize: 1024,
    // Glyphs load together on the first refresh: one texture upload, soon.
    debounceTimeout: 50,
  });
  const glyphs = Glyphs.prototype as unknown as ProgramInternals;
  class GlyphPass extends Glyphs {
    private readonly all: boolean;
    private readonly sigma: AnySigma;
    constructor(gl: WebGLRenderingContext, picking: WebGLFramebuffer | null, renderer: AnySigma) {
      super(gl, null, renderer);
      this.all = picking !== null;
      this.sigma = renderer;
    }
    getDefinition(): ProgramDefinition {
      // keepWithinCircle: the program's u_sizeRatio is sigma's, so this is the on-screen radius.
      return patchVertex(glyphs.getDefinition.call(this), `if (a_size / u_sizeRatio < ${MIN_GLYPH_RADIUS.toFixed(1)}) ${SKIP}`);
    }
    processVisibleItem(nodeIndex: number, offset: number, data: GlyphData): void {
      const size = data.size;
      data.size = size * (data.glyphScale ?? 1);
      glyphs.processVisibleItem.call(this, nodeIndex, offset, data);
      data.size = size;
    }
    override process(nodeIndex: number, offset: number, data: NodeDisplayData): void {
      // A lean canvas never draws this pass (dropping edges to leave it is a full refresh, which fills it).
      if (this.all && lean(this.sigma)) return;
      super.process(nodeIndex, offset, data);
    }
    override render(params: RenderParams): void {
      if (this.all && (lean(this.sigma) || moving(this.sigma))) return;
      super.render(params);
    }
  }
  const Rings = createNodeBorderProgram<NodeAttrs, EdgeAttrs>({
    borders: [
      { size: { value: PIN_RING }, color: { attribute: "pinColor" } },
      { size: { value: 0.12 }, color: { attribute: "ringOuter" } },
      { size: { value: 0.1 }, color: { attribute: "ringInner" } },
      { size: { value: 0.06 }, color: { attribute: "ringGap" } },
      { size: { fill: true }, color: { transparent: true } },
    ],
  });
  const rings = Rings.prototype as unknown as ProgramInternals;
  class RingPass extends Rings {
    private readonly all: boolean;
    private readonly sigma: AnySigma;
    constructor(gl: WebGLRenderingContext, picking: WebGLFramebuffer | null, renderer: AnySigma) {
      super(gl, null, renderer);
      this.all = picking !== null;
      this.sigma = renderer;
    }
    getDefinition(): ProgramDefinition {
      // a_borderColor_1 and _2: the pin ring and the outer badge ring.
      return patchVertex(rings.getDefinition.call(this), `#ifndef PICKING_MODE\n  if (a_borderColor_1.a == 0.0 && a_borderColor_2.a == 0.0) ${SKIP}\n  #endif`);
    }
    override process(nodeIndex: number, offset: number, data: NodeDisplayData): void {
      if (this.all && lean(this.sigma)) return;
      super.process(nodeIndex, offset, data);
    }
    override render(params: RenderParams): void {
      if (this.all && lean(this.sigma)) return;
      super.render(params);
    }
  }
  const Discs = quiet(base(NodeCircleProgram), steering) as unknown as NodeProgramType<NodeAttrs, EdgeAttrs>;
  iconProgram = createNodeCompoundProgram<NodeAttrs, EdgeAttrs>([Discs, GlyphPass, RingPass]);
  return iconProgram;
}
