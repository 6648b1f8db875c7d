package $L

import (
    "context"
    "errors"
    "fmt"
    "sort"
    "strings"
    "time"

    "github.com/jinzhu/copier"

    "github.com/go-dev-frame/sponge/pkg/gin/middleware"
    "github.com/go-dev-frame/sponge/pkg/logger"
    "github.com/go-dev-frame/sponge/pkg/sgorm/query"
    "github.com/go-dev-frame/sponge/pkg/utils"

    $A "$M/api/$M/v1"
    "$M/internal/cache"
    "$M/internal/dao"
    "$M/internal/database"
    "$M/internal/ecode"
    "$M/internal/model"
)

var _ $A.$ELogicer = (*$H)(nil)
var _ time.Time

type $H struct {
    $eDao dao.$EDao
}

// New$EHandler create a handler
func New$EHandler() $A.$ELogicer {
    return &$H{
        $eDao: dao.New$EDao(
            database.GetDB(),
            cache.New$ECache(database.GetCacheType()),
        ),
    }
}

