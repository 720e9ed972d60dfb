package secure

import (
	"github.com/nats-io/jwt/v2"

	"spindle/internal/proto"
)

// Templates: the server fills them in from the user JWT at connect.
const (
	me = "{{name()}}" // the user's name: a worker ID, an application ID or a user
)

// permissions are the subjects a role may publish and subscribe to, the
// template of its scoped signing key.
func permissions(r Role) jwt.UserPermissionLimits {
	p := jwt.UserPermissionLimits{}
	p.NatsLimits = jwt.NatsLimits{Subs: jwt.NoLimit, Data: jwt.NoLimit, Payload: jwt.NoLimit}
	switch r {
	case Coordinator:
		p.Pub.Allow.Add(">")
		p.Sub.Allow.Add(">")
	case Worker:
		inbox := InboxPrefix(Worker, me, "") + ".>"
		p.Pub.Allow.Add(proto.SubjRegister, proto.SubjHeartbeat, proto.SubjExit, inbox,
			// binaries in, logs out
			"$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "$O."+proto.LogsBucket+".>")
		p.Sub.Allow.Add("spindle.worker."+me+".>", proto.SubjCoordStarted, inbox)
		p.Resp = &jwt.ResponsePermission{MaxMsgs: 1}
	case App:
		inbox := InboxPrefix(App, "", me) + ".>"
		own := []string{"spindle.app." + me + ".>", "spindle.shuffle." + me + ".>", inbox}
		p.Sub.Allow.Add(own...)
		p.Pub.Allow.Add(own...)
		p.Pub.Allow.Add(
			proto.SubjAllocate+"."+me, proto.SubjReport+"."+me, proto.SubjStatus+"."+me,
			"$JS.API.INFO",
			// its shuffle streams and their consumers
			"$JS.API.*.*.SHUFFLE_"+me, "$JS.API.*.*.SHUFFLE_"+me+".>",
			"$JS.API.*.*.*.SHUFFLE_"+me, "$JS.API.*.*.*.SHUFFLE_"+me+".>",
			"$JS.ACK.SHUFFLE_"+me+".>", "$JS.FC.SHUFFLE_"+me+".>",
			// its job records
			"$JS.API.STREAM.INFO.KV_"+proto.JobsBucket,
			"$KV."+proto.JobsBucket+"."+me, "$KV."+proto.JobsBucket+"."+me+".>",
			"$JS.API.DIRECT.GET.KV_"+proto.JobsBucket+".$KV."+proto.JobsBucket+"."+me,
			"$JS.API.DIRECT.GET.KV_"+proto.JobsBucket+".$KV."+proto.JobsBucket+"."+me+".>",
			// its savepoints; any savepoint's record may be read, to
			// resume from it
			"$JS.API.STREAM.INFO.KV_"+proto.SavepointsBucket,
			"$KV."+proto.SavepointsBucket+"."+me+".>",
			"$JS.API.DIRECT.GET.KV_"+proto.SavepointsBucket+".>",
			// checkpoints: a shared bucket whose chunk subjects do not
			// name the application (docs/security.md, what is left)
			"$JS.API.*.OBJ_"+proto.CheckpointBucket, "$JS.API.*.*.OBJ_"+proto.CheckpointBucket,
			"$JS.API.*.*.OBJ_"+proto.CheckpointBucket+".>", "$JS.API.*.*.*.OBJ_"+proto.CheckpointBucket+".>",
			"$O."+proto.CheckpointBucket+".>", "$JS.ACK.OBJ_"+proto.CheckpointBucket+".>", "$JS.FC.OBJ_"+proto.CheckpointBucket+".>",
		)
		p.Resp = &jwt.ResponsePermission{MaxMsgs: 1} // savepoint requests from clients
	case Client:
		inbox := InboxPrefix(Client, me, "") + ".>"
		for _, s := range []string{proto.SubjSubmit, proto.SubjApps, proto.SubjStatus, proto.SubjKill, proto.SubjNodes, proto.SubjQueues} {
			p.Pub.Allow.Add(s + "." + me)
		}
		p.Pub.Allow.Add(proto.SubjCoordinators, inbox,
			"spindle.worker.*.logs", "spindle.app.*.jm.savepoint",
			"$JS.API.INFO",
			// uploads binaries
			"$JS.API.STREAM.INFO.OBJ_"+proto.BinaryBucket, "$JS.API.DIRECT.GET.OBJ_"+proto.BinaryBucket+".>",
			"$JS.API.STREAM.MSG.GET.OBJ_"+proto.BinaryBucket, "$O."+proto.BinaryBucket+".>",
			// reads collected logs
			"$JS.API.STREAM.INFO.OBJ_"+proto.LogsBucket, "$JS.API.DIRECT.GET.OBJ_"+proto.LogsBucket+".>",
			"$JS.API.CONSUMER.*.OBJ_"+proto.LogsBucket+".>", "$JS.API.CONSUMER.MSG.NEXT.OBJ_"+proto.LogsBucket+".>",
			"$JS.FC.OBJ_"+proto.LogsBucket+".>",
			// checks savepoints
			"$JS.API.STREAM.INFO.KV_"+proto.SavepointsBucket, "$JS.API.DIRECT.GET.KV_"+proto.SavepointsBucket+".>",
		)
		p.Sub.Allow.Add(inbox, "spindle.app.*.state")
	}
	return p
}
