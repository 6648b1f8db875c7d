module store

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/go-dev-frame/sponge v1.16.1
	golang.org/x/sync v0.10.0
	google.golang.org/protobuf v1.35.2
	gorm.io/driver/mysql v1.5.7
	gorm.io/gorm v1.25.12
)
