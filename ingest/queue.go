package ingest

// Queue holds the results a format has made and Next has not returned yet:
// one unit of input (a transaction, a CSV row, an entity, a whole pack)
// often makes several records and rejections. The zero Queue is empty and
// ready.
type Queue struct {
	items []queued
	head  int
}

type queued struct {
	rec Record
	err error
}

// Push queues a record.
func (q *Queue) Push(rec Record) { q.items = append(q.items, queued{rec: rec}) }

// Reject queues an error for Next to return in turn, typically a
// *RecordError.
func (q *Queue) Reject(err error) { q.items = append(q.items, queued{err: err}) }

// Len is the number of results queued.
func (q *Queue) Len() int { return len(q.items) - q.head }

// Reset drops what is queued: the records of a unit of input that turned
// out to be malformed.
func (q *Queue) Reset() {
	clear(q.items)
	q.items, q.head = q.items[:0], 0
}

// Next returns the next result queued, calling fill while there is none.
// fill queues the results of the next unit of input; it returns io.EOF at
// the end (and on every call after), or an error that Next returns as is.
// A slot is cleared once returned, so the queue does not keep records
// alive.
func (q *Queue) Next(fill func() error) (Record, error) {
	for q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
		if err := fill(); err != nil {
			return Record{}, err
		}
	}
	it := q.items[q.head]
	q.items[q.head] = queued{}
	q.head++
	return it.rec, it.err
}
