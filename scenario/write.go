package scenario

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/redthread-dev/redthread/graph"
)

// file is a buffered output file counting its records.
type file struct {
	f *os.File
	w *bufio.Writer
	n int
}

func create(dir, name string) (*file, error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	return &file{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// write appends b. An error sticks in the bufio.Writer and surfaces at
// close, so the hot paths that call this need not check it.
func (f *file) write(b []byte) {
	_, _ = f.w.Write(b)
}

func (f *file) close() error {
	err := f.w.Flush()
	return errors.Join(err, f.f.Close())
}

// outputs are the streams a scenario writes. Write errors stick in the
// bufio.Writers and surface at close, so the hot paths need not check them.
type outputs struct {
	native, eth, tok, btc, personas *file
	nat                             *json.Encoder
	pcsv                            *csv.Writer
}

const (
	ethHeader = "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type,illustrative\n"
	tokHeader = "token_address,from_address,to_address,value,transaction_hash,log_index,block_number,illustrative\n"
)

// personasHeader is the column order of the personas file.
var personasHeader = []string{"type", "persona", "name", "nationality", "country", "city", "platforms", "identifier",
	"currency", "address", "organization", "amount", "date", "role", "owner", "owner_type", "relation", "group", "record", "note",
	"illustrative"}

func openOutputs(dir string) (*outputs, error) {
	o := &outputs{}
	var err error
	for _, f := range []struct {
		p    **file
		name string
	}{{&o.native, NativeFile}, {&o.eth, ETHTransactionFile}, {&o.tok, ETHTokenFile}, {&o.btc, BTCTransactionFile}, {&o.personas, PersonasFile}} {
		if *f.p, err = create(dir, f.name); err != nil {
			_ = o.close() // the files opened so far hold nothing yet
			return nil, err
		}
	}
	o.eth.write([]byte(ethHeader))
	o.tok.write([]byte(tokHeader))
	o.nat = json.NewEncoder(o.native.w)
	o.nat.SetEscapeHTML(false)
	o.pcsv = csv.NewWriter(o.personas.w)
	if err := o.pcsv.Write(personasHeader); err != nil {
		_ = o.close() // the header's error is the one to report
		return nil, fmt.Errorf("write personas header: %w", err)
	}
	return o, nil
}

func (o *outputs) close() error {
	if o.pcsv != nil {
		o.pcsv.Flush()
	}
	var errs []error
	if o.pcsv != nil {
		errs = append(errs, o.pcsv.Error())
	}
	for _, f := range []*file{o.native, o.eth, o.tok, o.btc, o.personas} {
		if f != nil {
			errs = append(errs, f.close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// nativeNode and nativeEdge are native-format lines: the graph types plus
// "type".
type nativeNode struct {
	Type string `json:"type"`
	*graph.Node
}

type nativeEdge struct {
	Type string `json:"type"`
	*graph.Edge
}

// node validates n as the ingest runner will and writes it.
func (o *outputs) node(n *graph.Node) error {
	if err := graph.PrepareNode(n); err != nil {
		return fmt.Errorf("generated an invalid node %s %q: %w", n.Kind, n.Key, err)
	}
	o.native.n++
	return o.nat.Encode(nativeNode{"node", n})
}

func (o *outputs) edge(e *graph.Edge) error {
	if err := graph.PrepareEdge(e); err != nil {
		return fmt.Errorf("generated an invalid edge %s %s→%s: %w", e.Kind, e.From, e.To, err)
	}
	o.native.n++
	return o.nat.Encode(nativeEdge{"edge", e})
}

// personaRow writes one personas row from column → value pairs.
func (o *outputs) personaRow(kv ...string) error {
	row := make([]string, len(personasHeader))
	row[len(row)-1] = "true" // every generated fact is illustrative
	for i := 0; i+1 < len(kv); i += 2 {
		j := -1
		for k, c := range personasHeader {
			if c == kv[i] {
				j = k
			}
		}
		if j < 0 {
			return fmt.Errorf("personas: no column %q", kv[i])
		}
		row[j] = kv[i+1]
	}
	o.personas.n++
	return o.pcsv.Write(row)
}

// appendWei appends an amount given in gwei as a wei integer, avoiding
// big integers on the hot path.
func appendWei(b []byte, gwei uint64) []byte {
	if gwei == 0 {
		return append(b, '0')
	}
	return append(strconv.AppendUint(b, gwei, 10), "000000000"...)
}

func writeTruth(path string, t *Truth) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create truth: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	err = enc.Encode(t)
	if err := errors.Join(err, w.Flush(), f.Close()); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}
